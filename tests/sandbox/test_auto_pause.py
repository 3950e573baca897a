"""The sandbox keeps a service's ``auto_pause_notifications_parameters`` as PagerDuty does:
stored on create and update, returned on every read, refused when malformed, and kept in
the state a sandbox saves (its dump/seed document)."""

from __future__ import annotations

from typing import Any

import httpx

from pagerduty_actions.sandbox import SandboxServer, SandboxState


def _create(api: httpx.Client, name: str, **fields: Any) -> httpx.Response:
    policy = api.get("/escalation_policies").json()["escalation_policies"][0]["id"]
    body = {
        "type": "service",
        "name": name,
        "escalation_policy": {"id": policy, "type": "escalation_policy_reference"},
        **fields,
    }
    return api.post("/services", json={"service": body})


def test_auto_pause_is_stored_and_returned(
    api: httpx.Client, pd: SandboxServer, conformance: Any
) -> None:
    created = _create(
        api, "paused", auto_pause_notifications_parameters={"enabled": True, "timeout": 300}
    )
    assert created.status_code == 201, created.text
    service = created.json()["service"]
    assert service["auto_pause_notifications_parameters"] == {"enabled": True, "timeout": 300}
    read = api.get(f"/services/{service['id']}").json()["service"]
    assert read["auto_pause_notifications_parameters"] == {"enabled": True, "timeout": 300}
    listed = {s["id"]: s for s in api.get("/services").json()["services"]}
    assert listed[service["id"]]["auto_pause_notifications_parameters"]["timeout"] == 300

    update = {
        "type": "service",
        "escalation_policy": service["escalation_policy"],
        "auto_pause_notifications_parameters": {"enabled": True, "timeout": 600},
    }
    updated = api.put(f"/services/{service['id']}", json={"service": update})
    assert updated.status_code == 200, updated.text
    assert api.get(f"/services/{service['id']}").json()["service"][
        "auto_pause_notifications_parameters"
    ] == {"enabled": True, "timeout": 600}
    assert conformance(pd.state) >= 5  # every exchange follows PagerDuty's OpenAPI


def test_a_service_without_it_reads_as_disabled(api: httpx.Client) -> None:
    service = _create(api, "plain").json()["service"]
    assert service["auto_pause_notifications_parameters"] == {"enabled": False}


def test_malformed_auto_pause_is_refused_and_changes_nothing(api: httpx.Client) -> None:
    for bad, word in (
        ({"enabled": "yes"}, "boolean"),
        ({"enabled": True, "timeout": 301}, "one of 0, 120, 180, 300, 600, 900"),
        ({"enabled": True, "timeout": 300.0}, "one of 0, 120"),
        ("on", "object"),
    ):
        refused = _create(api, "refused", auto_pause_notifications_parameters=bad)
        assert refused.status_code == 400, refused.text
        assert word in " ".join(refused.json()["error"]["errors"])
    assert [s for s in api.get("/services").json()["services"] if s["name"] == "refused"] == []


def test_saved_state_keeps_auto_pause(api: httpx.Client, pd: SandboxServer) -> None:
    service = _create(
        api, "kept", auto_pause_notifications_parameters={"enabled": True, "timeout": 0}
    ).json()["service"]
    reloaded = SandboxState.from_seed(pd.state.dump())
    record = next(
        s for a in reloaded.accounts.values() for s in a.services.values() if s["name"] == "kept"
    )
    assert record["id"] == service["id"]
    assert record["auto_pause_notifications_parameters"] == {"enabled": True, "timeout": 0}
