"""``pagerduty:incident:trigger`` against the sandbox: routing by key or by service, what the
event carries, dedup keys, the dry-run plan, read-only mode, and the key never shown."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from pagerduty_actions.pagerduty.resources.integrations import BACKSTAGE_VENDOR_ID
from pagerduty_actions.sandbox import SandboxServer

ACTION = "pagerduty:incident:trigger"
BACKSTAGE = "https://backstage.example.com"


def _service(pd: SandboxServer, name: str = "checkout-api", *, integration: bool = True) -> str:
    account = pd.state.accounts["default"]
    policy = next(iter(account.escalation_policies))
    service = account.create_service(
        {"name": name, "escalation_policy": {"id": policy}}, unique_names=True
    )
    if integration:
        account.create_integration(
            service["id"], {"vendor": {"id": BACKSTAGE_VENDOR_ID}}, pd.state.vendors
        )
    return str(service["id"])


def _key(pd: SandboxServer, service_id: str) -> str:
    account = pd.state.accounts["default"]
    return next(
        str(i["integration_key"])
        for i in account.integrations.values()
        if i["service_id"] == service_id
    )


def _enqueued(pd: SandboxServer) -> list[Any]:
    return [e.body for e in pd.state.requests() if e.path.endswith("/v2/enqueue")]


def _incidents(pd: SandboxServer, service_id: str) -> list[dict[str, Any]]:
    account = pd.state.accounts["default"]
    return [i for i in account.incidents.values() if i["service_id"] == service_id]


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(backstage={"baseUrl": BACKSTAGE + "/"})


def test_trigger_by_service_opens_an_incident_linked_to_the_entity(
    call: Callable[..., Any], pd: SandboxServer
) -> None:
    service_id = _service(pd)
    response = call(
        ACTION,
        {
            "serviceId": service_id,
            "summary": "Checkout is down",
            "severity": "critical",
            "entityRef": "Component:default/checkout-api",
            "customDetails": {"region": "eu-west-1"},
            "links": [{"href": "https://ci.example.com/1", "text": "Build"}],
        },
    )
    assert response.status_code == 200, response.json
    output = response.json["output"]
    entity_url = f"{BACKSTAGE}/catalog/default/component/checkout-api"
    assert output["entityUrl"] == entity_url
    assert output["incidentKey"] == output["dedupKey"]
    assert output["status"] == "success" and output["serviceId"] == service_id
    [incident] = _incidents(pd, service_id)
    assert incident["title"] == "Checkout is down"
    assert incident["incident_key"] == output["dedupKey"]
    [sent] = _enqueued(pd)
    assert sent["event_action"] == "trigger" and sent["client"] == "Backstage"
    assert sent["client_url"] == entity_url
    assert sent["links"] == [
        {"href": entity_url, "text": "Backstage: component:default/checkout-api"},
        {"href": "https://ci.example.com/1", "text": "Build"},
    ]
    assert sent["payload"] == {
        "summary": "Checkout is down",
        "source": "component:default/checkout-api",
        "severity": "critical",
        "custom_details": {
            "region": "eu-west-1",
            "backstage_entity": "component:default/checkout-api",
        },
    }


def test_the_same_dedup_key_joins_the_open_incident(
    call: Callable[..., Any], pd: SandboxServer
) -> None:
    service_id = _service(pd)
    key = _key(pd, service_id)
    body = {"integrationKey": key, "summary": "Disk full", "dedupKey": "disk-web-1"}
    first, second = call(ACTION, body), call(ACTION, body)
    assert first.status_code == second.status_code == 200
    assert first.json["output"]["dedupKey"] == "disk-web-1"
    assert [i["incident_key"] for i in _incidents(pd, service_id)] == ["disk-web-1"]


def test_without_a_dedup_key_each_trigger_gets_its_own_and_sends_it(
    call: Callable[..., Any], pd: SandboxServer
) -> None:
    """A fresh key is sent with the event, so a retry after a lost answer joins, not doubles."""
    service_id = _service(pd)
    outputs = [call(ACTION, {"serviceId": service_id, "summary": "x"}).json["output"] for _ in "ab"]
    assert outputs[0]["dedupKey"] != outputs[1]["dedupKey"]
    assert [body["dedup_key"] for body in _enqueued(pd)] == [o["dedupKey"] for o in outputs]
    assert len(_incidents(pd, service_id)) == 2


def test_dry_run_plans_the_real_body_with_the_key_masked_and_sends_nothing(
    call: Callable[..., Any], pd: SandboxServer
) -> None:
    service_id = _service(pd)
    key = _key(pd, service_id)
    body = {
        "integrationKey": key,
        "summary": "Latency",
        "dedupKey": "lat-1",
        "entityRef": "component:default/checkout-api",
    }
    dry = call(ACTION, body, dry_run=True)
    assert dry.status_code == 200, dry.json
    assert _enqueued(pd) == []
    [planned] = dry.json["output"]["plan"]
    assert planned["method"] == "POST" and planned["url"] == pd.events_url + "/v2/enqueue"
    assert planned["body"]["routing_key"] == "********"
    assert key not in str(dry.json)
    real = call(ACTION, body)
    assert real.status_code == 200
    [sent] = _enqueued(pd)
    assert {**sent, "routing_key": "********"} == planned["body"]  # the plan is what is sent


def test_read_only_refuses_the_trigger_and_its_dry_run(
    make_app: Callable[..., Flask], pd: SandboxServer
) -> None:
    app = make_app(entityPage={"readOnly": True})
    client = app.test_client()
    service_id = _service(pd)
    for suffix in ("", "?dryRun=true"):
        response = client.post(
            f"/v2/actions/{ACTION}{suffix}",
            json={"serviceId": service_id, "summary": "x"},
            headers={"Authorization": f"Bearer {app_token(app)}"},
        )
        assert response.status_code == 403
        message = response.json["error"]["message"]
        assert "triggering an incident is refused" in message and "entityPage.readOnly" in message
    assert _enqueued(pd) == [] and _incidents(pd, service_id) == []


def app_token(app: Flask) -> str:
    return str(app.extensions["pagerduty_actions"].config.auth_tokens[0]["token"])


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"summary": "x"}, 400, "integrationKey or serviceId"),
        ({"summary": "x", "serviceId": "PNOSUCH", "integrationKey": "a" * 32}, 400, "exactly one"),
        ({"summary": "x", "serviceId": "PNOSUCH"}, 400, "does not exist"),
        ({"summary": "x", "serviceId": "{lonely}", "entityRef": "a:b:c/d"}, 400, "serviceId"),
        ({"summary": "", "integrationKey": "a" * 32}, 400, "summary"),
    ],
)
def test_bad_input_names_the_field_and_sends_nothing(
    call: Callable[..., Any], pd: SandboxServer, body: dict[str, Any], status: int, words: str
) -> None:
    response = call(ACTION, body)
    assert response.status_code == status, response.json
    assert words in str(response.json["error"]), response.json
    assert _enqueued(pd) == []


def test_a_service_without_a_backstage_integration_says_what_to_do(
    call: Callable[..., Any], pd: SandboxServer
) -> None:
    service_id = _service(pd, integration=False)
    response = call(ACTION, {"serviceId": service_id, "summary": "x"})
    assert response.status_code == 400
    assert "no Backstage integration" in response.json["error"]["message"]


def test_an_unknown_key_is_pagerdutys_400_and_the_key_is_never_shown(
    call: Callable[..., Any], pd: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = "0123456789abcdef0123456789abcdef"
    response = call(ACTION, {"integrationKey": key, "summary": "x"})
    assert response.status_code == 400
    assert "Invalid routing key" in str(response.json)
    assert key not in str(response.json) and key not in caplog.text


def test_the_looked_up_key_is_never_logged_nor_returned(
    call: Callable[..., Any], pd: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    service_id = _service(pd)
    key = _key(pd, service_id)
    response = call(ACTION, {"serviceId": service_id, "summary": "x"})
    assert response.status_code == 200
    assert key not in str(response.json) and key not in caplog.text
