"""/pagerduty-api: the reads and the trigger of @backstage/plugin-pagerduty 0.6.8, served by
us in PagerDuty's shapes, with our token; nothing else."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from card_world import EU_KEY, TOKEN, US_KEY
from flask import Flask
from flask.testing import FlaskClient

from pagerduty_actions.sandbox import SandboxServer

AUTH = {"Authorization": f"Bearer {TOKEN}"}
SERVICE_PARAMS = "time_zone=UTC&include[]=integrations&include[]=escalation_policies"
TRIGGER: dict[str, Any] = {
    "event_action": "trigger",
    "routing_key": US_KEY,
    "client": "Backstage",
    "client_url": "https://backstage.example.com/catalog/default/component/checkout",
    "payload": {
        "summary": "Checkout is down",
        "source": "https://backstage.example.com/catalog/default/component/checkout",
        "severity": "error",
        "class": "manual trigger",
        "custom_details": {"user": "Ada"},
    },
}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _get(client: FlaskClient, path: str) -> Any:
    response = client.get(f"/pagerduty-api{path}", headers=AUTH)
    assert response.status_code == 200, response.json
    return response.json


def test_the_cards_look_up_by_integration_key_and_by_id(client: FlaskClient) -> None:
    found = _get(client, f"/services?{SERVICE_PARAMS}&query={US_KEY}")["services"]
    assert [s["id"] for s in found] == ["PACMESVC"]
    service = _get(client, f"/services/PACMESVC?{SERVICE_PARAMS}")["service"]
    for body in (found[0], service):
        assert body["name"] == "checkout"
        assert body["html_url"].startswith("https://acme.pagerduty.com/")
        assert body["escalation_policy"]["html_url"].startswith("https://acme.pagerduty.com/")
        # Integration keys never leave us: each lets its holder open incidents.
        assert body["integrations"] and all(
            "integration_key" not in i for i in body["integrations"]
        )
    assert US_KEY not in str(found) + str(service)


def test_trigger_then_incidents_change_events_and_on_call_as_the_card_reads_them(
    client: FlaskClient, pd_us: SandboxServer
) -> None:
    incidents_path = (
        "/incidents?time_zone=UTC&sort_by=created_at&statuses[]=triggered"
        "&statuses[]=acknowledged&service_ids[]=PACMESVC"
    )
    assert _get(client, incidents_path)["incidents"] == []  # kept for 30 s...
    for path in ("/pagerduty-api/enqueue", "/pagerduty-api/v2/enqueue"):
        sent = client.post(path, json=TRIGGER, headers=AUTH)
        assert sent.status_code == 202, sent.json
        assert sent.json["status"] == "success" and sent.json["dedup_key"]
    assert len(pd_us.state.log.entries("POST", "/events/v2/enqueue")) == 2
    # ...but a trigger makes the kept incident lists stale: the card's refresh shows it.
    incidents = _get(client, incidents_path)["incidents"]
    assert len(incidents) == 2  # no dedup key: PagerDuty makes one of its own each time
    incident = incidents[0]
    assert incident["title"] == "Checkout is down" and incident["status"] == "triggered"
    assert incident["html_url"] and incident["created_at"]
    assert incident["assignments"][0]["assignee"]["summary"] == "Ada Lovelace"
    changes = _get(
        client, "/services/PACMESVC/change_events?limit=5&time_zone=UTC&sort_by=timestamp"
    )
    change = changes["change_events"][0]
    assert change["links"][0] == {"href": "https://ci.example.com/2", "text": "Build 2"}
    assert change["html_url"].startswith("https://acme.pagerduty.com/")
    assert change["summary"] == "Deployed v2" and change["source"] == "ci" and change["timestamp"]
    policy = _get(client, "/services/PACMESVC")["service"]["escalation_policy"]["id"]
    oncall = _get(
        client, f"/oncalls?time_zone=UTC&include[]=users&escalation_policy_ids[]={policy}"
    )
    user = oncall["oncalls"][0]["user"]
    assert (user["name"], user["email"]) == ("Ada Lovelace", "ada@example.com")
    assert user["html_url"] and oncall["oncalls"][0]["escalation_level"] == 1


def test_read_only_refuses_the_trigger_saying_why_and_sends_nothing(
    make_app: Callable[..., Flask], pd_us: SandboxServer
) -> None:
    client = make_app(readOnly=True).test_client()
    refused = client.post("/pagerduty-api/v2/enqueue", json=TRIGGER, headers=AUTH)
    assert refused.status_code == 403
    # The Events API's error shape: the card shows "Request failed with 403, <errors>".
    assert refused.json["status"] == "forbidden"
    assert "read-only" in refused.json["message"]
    assert "entityPage.readOnly: true" in refused.json["errors"][0]
    assert pd_us.state.log.entries("POST", "/events/v2/enqueue") == []
    # Reads still work.
    assert _get(client, f"/services?query={US_KEY}")["services"]


def test_only_the_cards_requests_are_served(client: FlaskClient) -> None:
    wrong_method = client.post("/pagerduty-api/services", json={}, headers=AUTH)
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["Allow"]
    assert "it takes GET" in wrong_method.json["error"]["message"]
    for path in ("/pagerduty-api/users", "/pagerduty-api/services/PACMESVC/integrations"):
        missing = client.get(path, headers=AUTH)
        assert missing.status_code == 404
        assert "answers only GET /services?query=" in missing.json["error"]["message"]
    unknown = client.get("/pagerduty-api/services?query=checkout&limit=100", headers=AUTH)
    assert unknown.status_code == 400
    assert "takes no parameter 'limit'" in unknown.json["error"]["message"]
    assert unknown.json["errors"]  # the list the card joins into its message
    bad_id = client.get("/pagerduty-api/services/P..X", headers=AUTH)
    assert bad_id.status_code == 400 and "PagerDuty id" in bad_id.json["error"]["message"]
    required = client.get("/pagerduty-api/incidents?time_zone=UTC", headers=AUTH)
    assert required.status_code == 400 and "service_ids[]" in required.json["error"]["message"]
    resolve = client.post(
        "/pagerduty-api/enqueue",
        json={**TRIGGER, "event_action": "resolve", "dedup_key": "x"},
        headers=AUTH,
    )
    assert resolve.status_code == 400 and resolve.json["status"] == "invalid event"
    assert "$.event_action" in resolve.json["errors"][0]


def test_an_integration_key_is_never_quoted_back(client: FlaskClient) -> None:
    bad_query = client.get(f"/pagerduty-api/services?query={US_KEY}%01", headers=AUTH)
    assert bad_query.status_code == 400
    assert "not shown" in bad_query.json["error"]["message"]
    bad_key = client.post(
        "/pagerduty-api/enqueue", json={**TRIGGER, "routing_key": US_KEY + "zz"}, headers=AUTH
    )
    assert bad_key.status_code == 400
    for response in (bad_query, bad_key):
        assert US_KEY not in response.get_data(as_text=True)


def test_our_token_is_required_and_its_refusal_reads_as_the_card_expects(
    client: FlaskClient,
) -> None:
    response = client.get(f"/pagerduty-api/services?query={US_KEY}")
    assert response.status_code == 401  # the card shows "Missing or invalid PagerDuty Token"
    assert response.json["errors"] and "Authorization" in response.json["error"]["message"]
    pagerduty_token = client.get(
        "/pagerduty-api/services?query=x", headers={"Authorization": "Token token=acme-pd-token"}
    )
    assert pagerduty_token.status_code == 401


def test_accounts_by_query_parameter_each_on_its_own_hosts(
    client: FlaskClient, pd_us: SandboxServer, pd_eu: SandboxServer
) -> None:
    found = _get(client, f"/services?query={EU_KEY}&account=eu")["services"]
    assert [s["name"] for s in found] == ["billing"]
    assert found[0]["html_url"].startswith("https://acmeeu.eu.pagerduty.com/")
    assert _get(client, f"/services?query={EU_KEY}")["services"] == []  # the default: US
    assert len(pd_eu.state.log.entries("GET", "/services")) == 1
    sent = client.post(
        "/pagerduty-api/enqueue?account=eu", json={**TRIGGER, "routing_key": EU_KEY}, headers=AUTH
    )
    assert sent.status_code == 202, sent.json
    assert len(pd_eu.state.log.entries("POST", "/events/v2/enqueue")) == 1
    assert pd_us.state.log.entries("POST", "/events/v2/enqueue") == []
    unknown = client.get("/pagerduty-api/services?query=x&account=apac", headers=AUTH)
    assert unknown.status_code == 400
    assert "apac" in unknown.json["error"]["message"]


def test_pagerdutys_answers_keep_their_status_and_words(
    client: FlaskClient, pd_us: SandboxServer
) -> None:
    missing = client.get("/pagerduty-api/services/PNOPE", headers=AUTH)
    assert missing.status_code == 404  # the card shows "service not found"
    assert "PNOPE" in missing.json["error"]["message"] and missing.json["errors"]
    pd_us.state.configure_faults(
        {"error_rules": [{"status": 500, "rate": 1.0, "method": "GET", "path": "/services"}]}
    )
    failed = client.get("/pagerduty-api/services?query=down", headers=AUTH)
    assert failed.status_code == 502
    assert failed.json["errors"] is not None and "500" in failed.json["error"]["message"]
    not_routed = client.post(
        "/pagerduty-api/enqueue",
        json={**TRIGGER, "routing_key": "ffffffffffffffffffffffffffffffff"},
        headers=AUTH,
    )
    assert not_routed.status_code == 400
    assert "Invalid routing key" in " ".join(not_routed.json["errors"])


def test_a_hundred_viewers_of_one_page_cost_one_pagerduty_call(
    app: Flask, pd_us: SandboxServer
) -> None:
    pd_us.state.configure_faults({"latency_ms": 100})
    paths = [
        f"/pagerduty-api/services?{SERVICE_PARAMS}&query={US_KEY}",
        "/pagerduty-api/services/PACMESVC/change_events?limit=5&time_zone=UTC&sort_by=timestamp",
    ]

    def view(index: int) -> int:
        return app.test_client().get(paths[index % 2], headers=AUTH).status_code

    with ThreadPoolExecutor(20) as threads:
        assert set(threads.map(view, range(100))) == {200}
    assert len(pd_us.state.log.entries("GET", "/services")) == 1
    assert len(pd_us.state.log.entries("GET", "/services/{id}/change_events")) == 1
