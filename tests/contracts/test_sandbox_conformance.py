"""Every sandbox endpoint, driven with plain httpx, with every request and response checked
against PagerDuty's OpenAPI documents (see openapi_check.DEVIATIONS for the documented gaps)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openapi_check
import pytest

from pagerduty_actions.sandbox import (
    BACKSTAGE_VENDOR_ID,
    DEFAULT_TOKEN,
    SandboxServer,
    sandbox_server,
)

ACCEPT = openapi_check.PD_ACCEPT


class CheckedClient:
    """Sends requests and validates both directions against the OpenAPI documents."""

    def __init__(self, server: SandboxServer, token: str = DEFAULT_TOKEN) -> None:
        self.http = httpx.Client(timeout=10)
        self.base = server.base_url
        self.headers = {"Authorization": f"Token token={token}", "Accept": ACCEPT}
        self.checked: list[tuple[str, str, int]] = []

    def call(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        invalid_request: bool = False,
    ) -> httpx.Response:
        """Send one request; ``invalid_request`` asserts the checker rejects the request."""
        sent = {**self.headers, **(headers or {})}
        if json_body is not None:
            sent["Content-Type"] = "application/json"
        request = self.http.build_request(
            method, self.base + path, params=params, headers=sent, json=json_body
        )
        body = json.loads(request.content) if request.content else None
        if invalid_request:
            with pytest.raises(openapi_check.ContractError):
                openapi_check.check_request(
                    method, str(request.url), None, dict(request.headers), body
                )
        else:
            openapi_check.check_request(method, str(request.url), None, dict(request.headers), body)
        response = self.http.send(request)
        openapi_check.check_response(
            method,
            request.url.path,
            response.status_code,
            dict(response.headers),
            response.content or None,
        )
        self.checked.append((method, request.url.path, response.status_code))
        return response


@pytest.fixture
def pd() -> Iterator[SandboxServer]:
    with sandbox_server() as server:
        yield server


@pytest.fixture
def client(pd: SandboxServer, contracts: object) -> Iterator[CheckedClient]:
    checked = CheckedClient(pd)
    yield checked
    checked.http.close()


def _policy_id(client: CheckedClient) -> str:
    response = client.call("GET", "/escalation_policies", {"query": "Default"})
    return str(response.json()["escalation_policies"][0]["id"])


def _new_service(client: CheckedClient, name: str) -> str:
    response = client.call(
        "POST",
        "/services",
        json_body={
            "service": {
                "type": "service",
                "name": name,
                "description": f"{name} service",
                "escalation_policy": {
                    "id": _policy_id(client),
                    "type": "escalation_policy_reference",
                },
            }
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["service"]["id"])


def test_directory_endpoints_conform(client: CheckedClient) -> None:
    service_id = _new_service(client, "checkout")
    assert (
        client.call(
            "GET", "/services", {"query": "check", "limit": 10, "offset": 0, "total": "true"}
        ).json()["total"]
        == 1
    )
    assert (
        client.call(
            "GET", f"/services/{service_id}", {"include[]": ["integrations", "teams"]}
        ).status_code
        == 200
    )
    updated = client.call(
        "PUT",
        f"/services/{service_id}",
        json_body={
            "service": {
                "type": "service",
                "name": "checkout-v2",
                "escalation_policy": {
                    "id": _policy_id(client),
                    "type": "escalation_policy_reference",
                },
            }
        },
    )
    assert updated.json()["service"]["name"] == "checkout-v2"
    duplicate = client.call(
        "POST",
        "/services",
        json_body={
            "service": {
                "type": "service",
                "name": "checkout-v2",
                "escalation_policy": {
                    "id": _policy_id(client),
                    "type": "escalation_policy_reference",
                },
            }
        },
    )
    assert duplicate.status_code == 400
    integration = client.call(
        "POST",
        f"/services/{service_id}/integrations",
        json_body={
            "integration": {
                "type": "generic_events_api_inbound_integration",
                "name": "Backstage",
                "vendor": {"id": BACKSTAGE_VENDOR_ID, "type": "vendor_reference"},
            }
        },
    )
    assert integration.status_code == 201
    integration_id = integration.json()["integration"]["id"]
    assert (
        client.call("GET", f"/services/{service_id}/integrations/{integration_id}").status_code
        == 200
    )
    assert client.call("GET", "/vendors", {"query": "back"}).json()["vendors"][0]["id"] == (
        BACKSTAGE_VENDOR_ID
    )
    assert client.call("GET", f"/vendors/{BACKSTAGE_VENDOR_ID}").status_code == 200
    assert client.call("GET", "/vendors/PNOPE00").status_code == 404
    assert "teams" in client.call("GET", "/abilities").json()["abilities"]
    assert client.call("GET", "/abilities/teams").status_code == 204
    policy_id = _policy_id(client)
    assert client.call("GET", f"/escalation_policies/{policy_id}").status_code == 200
    team_id = client.call("GET", "/teams", {"query": "plat"}).json()["teams"][0]["id"]
    assert client.call("GET", f"/teams/{team_id}").status_code == 200
    user_id = client.call("GET", "/users").json()["users"][0]["id"]
    assert client.call("GET", f"/users/{user_id}").status_code == 200
    assert client.call("DELETE", f"/services/{service_id}").status_code == 204
    assert client.call("GET", f"/services/{service_id}").status_code == 404


def test_missing_ability_conforms(pd: SandboxServer, client: CheckedClient) -> None:
    pd.state.set_abilities("default", ["teams"])
    assert client.call("GET", "/abilities/time_based_alert_grouping").status_code == 402
    assert client.call("GET", "/alert_grouping_settings").status_code == 402


def test_alert_grouping_settings_conform(client: CheckedClient) -> None:
    first, second = _new_service(client, "a"), _new_service(client, "b")
    created = client.call(
        "POST",
        "/alert_grouping_settings",
        json_body={
            "alert_grouping_setting": {
                "name": "content",
                "type": "content_based",
                "config": {"aggregate": "any", "fields": ["summary"], "time_window": 86400},
                "services": [{"id": first, "type": "service_reference"}],
            }
        },
    )
    assert created.status_code == 201, created.text
    setting_id = created.json()["alert_grouping_setting"]["id"]
    client.call(
        "POST",
        "/alert_grouping_settings",
        json_body={
            "alert_grouping_setting": {
                "type": "time",
                "config": {"timeout": 600},
                "services": [{"id": second, "type": "service_reference"}],
            }
        },
    )
    page = client.call("GET", "/alert_grouping_settings", {"limit": 1}).json()
    assert page["after"] is not None
    client.call("GET", "/alert_grouping_settings", {"after": page["after"], "limit": 1})
    client.call("GET", "/alert_grouping_settings", {"service_ids[]": [first]})
    assert client.call("GET", f"/alert_grouping_settings/{setting_id}").status_code == 200
    changed = client.call(
        "PUT",
        f"/alert_grouping_settings/{setting_id}",
        json_body={
            "alert_grouping_setting": {
                "type": "intelligent",
                "config": {"time_window": 600},
                "services": [{"id": first, "type": "service_reference"}],
            }
        },
    )
    assert changed.json()["alert_grouping_setting"]["type"] == "intelligent"
    rejected = client.call(
        "POST",
        "/alert_grouping_settings",
        json_body={
            "alert_grouping_setting": {
                "type": "time",
                "config": {"timeout": 0},
                "services": [{"id": first, "type": "service_reference"}],
            }
        },
    )
    assert rejected.status_code == 400
    assert client.call("DELETE", f"/alert_grouping_settings/{setting_id}").status_code == 204


def test_dependencies_conform(client: CheckedClient) -> None:
    api, db = _new_service(client, "api"), _new_service(client, "db")
    relation = {
        "supporting_service": {"id": db, "type": "service"},
        "dependent_service": {"id": api, "type": "service"},
    }
    assert (
        client.call(
            "POST", "/service_dependencies/associate", json_body={"relationships": [relation]}
        ).status_code
        == 200
    )
    listed = client.call("GET", f"/service_dependencies/technical_services/{api}").json()
    assert listed["relationships"][0]["supporting_service"]["id"] == db
    assert (
        client.call(
            "POST", "/service_dependencies/disassociate", json_body={"relationships": [relation]}
        ).status_code
        == 200
    )
    assert client.call("GET", "/service_dependencies/technical_services/PNOPE00").status_code == 404


def test_incidents_oncalls_changes_standards_metrics_conform(client: CheckedClient) -> None:
    service_id = _new_service(client, "payments")
    created = client.call(
        "POST",
        "/incidents",
        headers={"From": "admin@sandbox.example.com"},
        json_body={
            "incident": {
                "type": "incident",
                "title": "Payments down",
                "service": {"id": service_id, "type": "service_reference"},
            }
        },
    )
    assert created.status_code == 201, created.text
    listed = client.call("GET", "/incidents", {"service_ids[]": [service_id]}).json()
    assert [i["title"] for i in listed["incidents"]] == ["Payments down"]
    assert client.call("GET", "/oncalls").json()["oncalls"]
    client.call(
        "GET",
        f"/services/{service_id}/change_events",
        {"since": "2024-01-01T00:00:00Z", "until": "2099-01-01T00:00:00Z"},
    )
    score = client.call("GET", f"/standards/scores/technical_services/{service_id}").json()
    assert score["score"]["total"] == len(score["standards"])
    metrics = client.call(
        "POST",
        "/analytics/metrics/incidents/services",
        json_body={"filters": {"service_ids": [service_id]}},
    ).json()
    assert metrics["data"][0]["total_incident_count"] == 1


def test_events_and_errors_conform(pd: SandboxServer, client: CheckedClient) -> None:
    service_id = _new_service(client, "events")
    integration = client.call(
        "POST",
        f"/services/{service_id}/integrations",
        json_body={"integration": {"type": "events_api_v2_inbound_integration", "name": "Events"}},
    )
    key = integration.json()["integration"]["integration_key"]
    accepted = client.call(
        "POST",
        "/events/v2/enqueue",
        json_body={
            "routing_key": key,
            "event_action": "trigger",
            "payload": {"summary": "CPU high", "source": "host-1", "severity": "critical"},
        },
    )
    assert accepted.status_code == 202
    assert (
        client.call(
            "POST",
            "/events/v2/enqueue",
            json_body={"routing_key": key, "event_action": "trigger", "payload": {"summary": "x"}},
            invalid_request=True,
        ).status_code
        == 400
    )
    pd.state.set_rate_limit(1, 60)
    client.call("GET", "/abilities")
    limited = client.call("GET", "/abilities")
    assert limited.status_code == 429
    pd.state.set_rate_limit(960, 60)
    pd.state.fail_next(1, 503, "GET", "/services")
    assert client.call("GET", "/services").status_code == 503
    unauthorised = CheckedClient(pd, token="wrong")
    assert unauthorised.call("GET", "/services").status_code == 401


def test_every_sandbox_route_is_covered(pd: SandboxServer, client: CheckedClient) -> None:
    """Guard: each REST/Events route of the sandbox exists in the documents."""
    routes = {
        (m, r.rule)
        for r in pd.app.url_map.iter_rules()
        for m in r.methods or ()
        if m not in ("HEAD", "OPTIONS")
        and not r.rule.startswith(("/_sandbox", "/static", "/oauth"))
    }
    for method, rule in routes:
        concrete = rule.replace("<", "").replace(">", "")
        openapi_check.operation(method, concrete)
