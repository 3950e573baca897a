"""pagerduty:service:create under PagerDuty's read-after-write lag (the sandbox's
``consistency_delay_ms``): a 404 about what the run has just made is retried, on writes too,
and a rollback is believed only once PagerDuty no longer has the object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from pagerduty_actions.pagerduty import AccountSet, ClientPool
from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer

ACTION = "pagerduty:service:create"
HEADERS = {"Authorization": "Bearer actions-test-token-0123456789"}
BODY = {
    "name": "laggy",
    "escalationPolicyName": "Default",
    "alertGrouping": "time",
    "integrations": [{"type": "events_api_v2"}],
}


def account(pd: SandboxServer) -> Any:
    return pd.state.accounts["default"]


@pytest.fixture
def lag_app(make_app: Callable[..., Flask], pd: SandboxServer) -> Flask:
    """The app with the client's production retry pacing: the fast pool of the other action
    tests gives up on a 404 within milliseconds, long before any lag is over."""
    app = make_app()
    services = app.extensions["pagerduty_actions"].services
    services.pagerduty.close()
    services.pagerduty = ClientPool(
        AccountSet.from_config(
            {"apiToken": DEFAULT_TOKEN, "apiBaseUrl": pd.base_url, "eventsBaseUrl": pd.events_url}
        )
    )
    return app


def post(app: Flask, body: dict[str, Any]) -> Any:
    return app.test_client().post(f"/v2/actions/{ACTION}", json=body, headers=HEADERS)


@pytest.mark.parametrize("lag_ms", [500, 3000])
def test_create_succeeds_end_to_end_under_lag(
    lag_app: Flask, pd: SandboxServer, lag_ms: int
) -> None:
    pd.state.configure_faults({"consistency_delay_ms": lag_ms})
    response = post(lag_app, BODY)
    assert response.status_code == 200, response.json
    out = response.json["output"]
    acct = account(pd)
    assert list(acct.services) == [out["serviceId"]]
    made = [i for i in acct.integrations.values() if i["service_id"] == out["serviceId"]]
    assert sorted(i["vendor_id"] or i["type"] for i in made) == [
        "PRO19CT",
        "events_api_v2_inbound_integration",
    ]
    assert out["integrationKey"] == next(
        i["integration_key"] for i in made if i["vendor_id"] == "PRO19CT"
    )
    [setting] = acct.grouping_settings.values()
    assert setting["service_ids"] == [out["serviceId"]] == [out["serviceId"]]
    assert out["alertGroupingSettingId"] == setting["id"]
    # The lag was met: PagerDuty answered the first integration POST 404, and it was re-sent.
    statuses = [e.status for e in pd.state.requests("POST", "/services/{id}/integrations")]
    assert statuses[0] == 404 and statuses.count(201) == 2


@pytest.mark.parametrize(("lag_ms", "status"), [(3000, 400), (500, 500)])
def test_rollback_under_lag_really_removes_the_service(
    lag_app: Flask, pd: SandboxServer, lag_ms: int, status: int
) -> None:
    """The integration fails for real while the service is still invisible: the DELETE that
    PagerDuty answers 404 is retried until it takes, and read back."""
    pd.state.configure_faults({"consistency_delay_ms": lag_ms})
    pd.state.fail_next(10, status, "POST", "/services/{id}/integrations")
    response = post(lag_app, BODY)
    assert response.status_code in (400, 502), response.json
    message = response.json["error"]["message"]
    assert "creating the Backstage integration failed" in message
    assert "Rolled back: service" in message and "LEFT BEHIND" not in message
    assert account(pd).services == {}  # really gone
    deletes = [e.status for e in pd.state.requests("DELETE", "/services/{id}")]
    assert deletes[-1] == 204
    reads = [e.status for e in pd.state.requests("GET", "/services/{id}")]
    assert reads[-1] == 404  # the delete was read back


def test_a_delete_answered_404_throughout_is_reported_left_behind(
    call: Callable[..., Any], pd: SandboxServer
) -> None:
    pd.state.fail_next(1, 400, "POST", "/services/{id}/integrations")
    pd.state.fail_next(20, 404, "DELETE", "/services/{id}")
    response = call(ACTION, {"name": "stays", "escalationPolicyName": "Default"})
    assert response.status_code == 400
    message = response.json["error"]["message"]
    [service_id] = list(account(pd).services)
    assert "Rolled back" not in message
    assert f"LEFT BEHIND, remove by hand: service {service_id}" in message
    assert "could not be confirmed gone" in message
    assert 1 < len(pd.state.requests("DELETE", "/services/{id}")) <= 5  # retried, bounded


def test_a_404_on_a_write_is_retried_a_bounded_number_of_times(
    call: Callable[..., Any], pd: SandboxServer
) -> None:
    pd.state.fail_next(50, 404, "POST", "/services/{id}/integrations")
    response = call(ACTION, {"name": "never-visible", "escalationPolicyName": "Default"})
    assert response.status_code == 502
    assert "404" in response.json["error"]["message"]
    assert 1 < len(pd.state.requests("POST", "/services/{id}/integrations")) <= 5
    assert account(pd).services == {}
