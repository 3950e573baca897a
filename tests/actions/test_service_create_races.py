"""Many requests for one service name at once: ``ifExists: reuse`` callers take turns under a
database lease per (account, name), and a create race lost to someone outside that lease
becomes a reuse, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask

from pagerduty_actions.handlers.name_lock import lease_name
from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.store.leases import LeaseStore

ACTION = "pagerduty:service:create"
HEADERS = {"Authorization": "Bearer actions-test-token-0123456789"}


def account(pd: SandboxServer) -> Any:
    return pd.state.accounts["default"]


def kinds_on(pd: SandboxServer, service_id: str) -> list[str]:
    return sorted(
        i["vendor_id"] or i["type"]
        for i in account(pd).integrations.values()
        if i["service_id"] == service_id
    )


def test_fifty_concurrent_reuse_calls_make_one_service_with_one_of_each_integration(
    make_app: Callable[..., Flask], pd: SandboxServer, database_url: str
) -> None:
    app = make_app(database={"url": database_url}, idempotency={"serviceNameWaitSeconds": 120})
    body = {
        "name": "popular",
        "escalationPolicyName": "Default",
        "alertGrouping": "time",
        "integrations": [{"type": "events_api_v2"}],
        "ifExists": "reuse",
    }
    start = threading.Barrier(50)

    def post(_: int) -> tuple[int, dict[str, Any]]:
        start.wait()
        response = app.test_client().post(f"/v2/actions/{ACTION}", json=body, headers=HEADERS)
        return response.status_code, response.json

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(post, range(50)))
    refused = [answer for status, answer in results if status != 200]
    assert refused == []
    [service_id] = {answer["output"]["serviceId"] for _, answer in results}
    assert list(account(pd).services) == [service_id]
    assert kinds_on(pd, service_id) == ["PRO19CT", "events_api_v2_inbound_integration"]
    [setting] = account(pd).grouping_settings.values()
    assert setting["service_ids"] == [service_id]
    assert sorted(answer["output"]["created"] for _, answer in results) == [False] * 49 + [True]
    assert len({answer["output"]["integrationKey"] for _, answer in results}) == 1
    assert len(pd.state.requests("POST", "/services")) == 1


def create_outside_our_lease(pd: SandboxServer, name: str) -> str:
    """Another tool creates ``name`` a moment ago: PagerDuty does not list it yet (lag).

    The lag is long enough that the action's first look-up falls inside it even on a loaded
    machine (1 s was not: the look-up then found the service and no race was run), and well
    inside the FRESH_404_SECONDS the action keeps looking after losing the race."""
    pd.state.configure_faults({"consistency_delay_ms": 3000})
    with pd.state.lock:
        acct = account(pd)
        policy = next(p for p in acct.escalation_policies.values() if p["name"] == "Default")
        record = acct.create_service(
            {"name": name, "escalation_policy": {"id": policy["id"]}}, unique_names=True
        )
    return str(record["id"])


def test_a_lost_create_race_becomes_a_reuse(call: Callable[..., Any], pd: SandboxServer) -> None:
    theirs = create_outside_our_lease(pd, "contested")
    response = call(
        ACTION, {"name": "contested", "escalationPolicyName": "Default", "ifExists": "reuse"}
    )
    assert response.status_code == 200, response.json
    out = response.json["output"]
    assert out["serviceId"] == theirs and out["created"] is False
    assert kinds_on(pd, theirs) == ["PRO19CT"] and out["integrationKey"]
    [lost] = pd.state.requests("POST", "/services")
    assert lost.status == 400  # PagerDuty's "Name has already been taken"
    assert any("created service" in line["message"] for line in response.json["log"])


def test_a_lost_create_race_without_reuse_is_409_naming_the_service(
    call: Callable[..., Any], pd: SandboxServer
) -> None:
    theirs = create_outside_our_lease(pd, "contested")
    response = call(ACTION, {"name": "contested", "escalationPolicyName": "Default"})
    assert response.status_code == 409
    assert theirs in response.json["error"]["message"]
    assert "ifExists: reuse" in response.json["error"]["message"]
    assert list(account(pd).services) == [theirs] and account(pd).integrations == {}


def test_a_name_held_too_long_is_409_with_retry_after_and_no_write(
    make_app: Callable[..., Flask], pd: SandboxServer, writes: Callable[[], list[Any]]
) -> None:
    app = make_app(idempotency={"serviceNameWaitSeconds": 0, "retryAfterSeconds": 3})
    db = app.extensions["pagerduty_actions"].services.db
    assert LeaseStore(db).acquire(lease_name("default", " Busy "), 60) is not None
    response = app.test_client().post(
        f"/v2/actions/{ACTION}",
        json={"name": "busy", "escalationPolicyName": "Default"},
        headers=HEADERS,
    )
    assert response.status_code == 409
    assert response.json["error"]["retryable"] is True
    assert response.headers["Retry-After"] == "3"
    assert "'busy' is busy with another request" in response.json["error"]["message"]
    assert writes() == []
