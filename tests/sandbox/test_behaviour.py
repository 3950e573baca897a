"""PagerDuty rules the sandbox enforces, accounts, OAuth, events, seeds and persistence."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pagerduty_actions.sandbox import (
    SandboxServer,
    SandboxState,
    default_seed,
    generate_graph,
    run_sandbox,
    sandbox_server,
)

ClientFactory = Callable[..., httpx.Client]


def _policy(api: httpx.Client) -> str:
    return str(api.get("/escalation_policies").json()["escalation_policies"][0]["id"])


def _service(api: httpx.Client, name: str) -> dict[str, Any]:
    response = api.post(
        "/services",
        json={
            "service": {
                "type": "service",
                "name": name,
                "escalation_policy": {"id": _policy(api), "type": "escalation_policy_reference"},
            }
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()["service"]
    return body


def test_service_shape_and_links(api: httpx.Client, pd: SandboxServer) -> None:
    service = _service(api, "orders")
    assert service["id"].startswith("P") and len(service["id"]) == 7
    assert service["id"][1:].isalnum() and service["id"].isupper()
    assert service["html_url"] == f"https://sandbox.pagerduty.com/service-directory/{service['id']}"
    assert service["self"] == f"{pd.base_url}/services/{service['id']}"
    assert service["summary"] == "orders"


def test_duplicate_names_rule_is_switchable(api: httpx.Client, pd: SandboxServer) -> None:
    _service(api, "billing")
    duplicate = api.post(
        "/services",
        json={
            "service": {
                "type": "service",
                "name": "Billing",
                "escalation_policy": {"id": _policy(api)},
            }
        },
    )
    assert duplicate.status_code == 400
    assert duplicate.json()["error"] == {
        "message": "Invalid Input Provided",
        "code": 2001,
        "errors": ["Name has already been taken"],
    }
    pd.state.unique_service_names = False
    assert (
        api.post(
            "/services",
            json={
                "service": {
                    "type": "service",
                    "name": "billing",
                    "escalation_policy": {"id": _policy(api)},
                }
            },
        ).status_code
        == 201
    )


def test_integration_key_is_32_hex(api: httpx.Client) -> None:
    service = _service(api, "keys")
    created = api.post(
        f"/services/{service['id']}/integrations",
        json={"integration": {"name": "Backstage", "vendor": {"id": "PRO19CT", "type": "vendor"}}},
    )
    key = created.json()["integration"]["integration_key"]
    assert len(key) == 32 and int(key, 16) >= 0
    fetched = api.get(f"/services/{service['id']}", params={"include[]": "integrations"})
    assert fetched.json()["service"]["integrations"][0]["integration_key"] == key


def test_list_pagination_and_query(api: httpx.Client) -> None:
    for i in range(5):
        _service(api, f"pager-{i}")
    page = api.get(
        "/services", params={"limit": 2, "offset": 2, "total": "true", "query": "PAGER"}
    ).json()
    assert [s["name"] for s in page["services"]] == ["pager-2", "pager-3"]
    assert (page["more"], page["total"], page["offset"], page["limit"]) == (True, 5, 2, 2)
    assert api.get("/services", params={"offset": 9990, "limit": 100}).status_code == 400


def test_dependencies_respect_limit_and_are_idempotent(
    api: httpx.Client, pd: SandboxServer
) -> None:
    hub, a, b = (_service(api, n)["id"] for n in ("hub", "a", "b"))
    pd.state.max_dependencies_per_service = 1

    def rel(supporting: str, dependent: str) -> dict[str, Any]:
        return {
            "supporting_service": {"id": supporting, "type": "service"},
            "dependent_service": {"id": dependent, "type": "service"},
        }

    first = api.post("/service_dependencies/associate", json={"relationships": [rel(a, hub)]})
    again = api.post("/service_dependencies/associate", json={"relationships": [rel(a, hub)]})
    assert first.json()["relationships"][0]["id"] == again.json()["relationships"][0]["id"]
    over = api.post("/service_dependencies/associate", json={"relationships": [rel(b, hub)]})
    assert over.status_code == 400
    assert over.json()["error"]["code"] == 2001
    assert (
        len(api.get(f"/service_dependencies/technical_services/{hub}").json()["relationships"]) == 1
    )
    api.delete(f"/services/{a}")
    assert api.get(f"/service_dependencies/technical_services/{hub}").json()["relationships"] == []


def test_grouping_needs_abilities_and_existing_services(
    api: httpx.Client, pd: SandboxServer
) -> None:
    service = _service(api, "grouped")["id"]
    setting = {
        "alert_grouping_setting": {
            "type": "time",
            "config": {"timeout": 300},
            "services": [{"id": service}],
        }
    }
    pd.state.set_abilities("default", ["preview_intelligent_alert_grouping"])
    refused = api.post("/alert_grouping_settings", json=setting)
    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == 2014
    pd.state.set_abilities("default", ["time_based_alert_grouping"])
    assert api.post("/alert_grouping_settings", json=setting).status_code == 201
    assert api.post("/alert_grouping_settings", json=setting).status_code == 400
    missing = {"alert_grouping_setting": {"type": "time", "services": [{"id": "PNOPE00"}]}}
    assert api.post("/alert_grouping_settings", json=missing).status_code == 400


def test_accounts_are_isolated(make_client: ClientFactory) -> None:
    seed = default_seed()
    second = json.loads(json.dumps(seed["accounts"][0]))
    second.update(name="eu", subdomain="acme", region="eu", tokens=["eu-token"], oauth_clients=[])
    seed["accounts"].append(second)
    with sandbox_server(seed) as server:
        with make_client(server) as us, make_client(server, "eu-token") as eu:
            created = _service(us, "shared-name")
            assert eu.get(f"/services/{created['id']}").status_code == 404
            eu_service = _service(eu, "shared-name")
            assert eu_service["html_url"].startswith("https://acme.eu.pagerduty.com/")
            assert us.get("/services").json()["services"][0]["id"] == created["id"]
        server.state.set_abilities("eu", [])
        with make_client(server) as us, make_client(server, "eu-token") as eu:
            assert us.get("/abilities/teams").status_code == 204
            assert eu.get("/abilities/teams").status_code == 402


def test_oauth_client_credentials_flow(pd: SandboxServer) -> None:
    pd.state.oauth_clients["sandbox-client"].expires_in = 60
    with httpx.Client(base_url=pd.base_url) as http:
        denied = http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "sandbox-client",
                "client_secret": "nope",
                "scope": "as_account-us.sandbox",
            },
        )
        assert denied.status_code == 401
        granted = http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "sandbox-client",
                "client_secret": "sandbox-secret",
                "scope": "as_account-us.sandbox services.read not.a.scope",
            },
        ).json()
        assert granted["expires_in"] == 60
        assert granted["scope"] == "as_account-us.sandbox services.read"
        bearer = {"Authorization": f"Bearer {granted['access_token']}"}
        assert http.get("/services", headers=bearer).status_code == 200
        forbidden = http.post("/services", headers=bearer, json={"service": {}})
        assert forbidden.status_code == 403
        assert forbidden.json()["error"]["code"] == 2010
        pd.state.expire_oauth_tokens()
        assert http.get("/services", headers=bearer).status_code == 401


def test_events_open_and_resolve_incidents(api: httpx.Client, pd: SandboxServer) -> None:
    service = _service(api, "evented")["id"]
    key = api.post(
        f"/services/{service}/integrations",
        json={"integration": {"type": "events_api_v2_inbound_integration"}},
    ).json()["integration"]["integration_key"]
    with httpx.Client(base_url=pd.events_url) as events:
        trigger = events.post(
            "/v2/enqueue",
            json={
                "routing_key": key,
                "event_action": "trigger",
                "dedup_key": "disk-1",
                "payload": {"summary": "Disk full", "source": "db-1", "severity": "error"},
            },
        )
        assert trigger.status_code == 202
        assert trigger.json() == {
            "status": "success",
            "message": "Event processed",
            "dedup_key": "disk-1",
        }
        events.post(
            "/v2/enqueue",
            json={
                "routing_key": key,
                "event_action": "trigger",
                "dedup_key": "disk-1",
                "payload": {"summary": "Disk full", "source": "db-1", "severity": "error"},
            },
        )
        incidents = api.get("/incidents", params={"service_ids[]": service}).json()["incidents"]
        assert [(i["title"], i["status"]) for i in incidents] == [("Disk full", "triggered")]
        events.post(
            "/v2/enqueue",
            json={"routing_key": key, "event_action": "resolve", "dedup_key": "disk-1"},
        )
        unknown = events.post(
            "/v2/enqueue", json={"routing_key": "f" * 32, "event_action": "trigger"}
        )
        assert unknown.status_code == 400
    incidents = api.get("/incidents", params={"service_ids[]": service}).json()["incidents"]
    assert incidents[0]["status"] == "resolved"


def test_incident_create_requires_from_header(api: httpx.Client) -> None:
    service = _service(api, "needs-from")["id"]
    body = {
        "incident": {
            "type": "incident",
            "title": "x",
            "service": {"id": service, "type": "service_reference"},
        }
    }
    assert api.post("/incidents", json=body).status_code == 400
    assert (
        api.post("/incidents", json=body, headers={"From": "admin@sandbox.example.com"}).status_code
        == 201
    )


def test_missing_auth_is_401_in_pagerduty_shape(pd: SandboxServer) -> None:
    response = httpx.get(pd.base_url + "/services")
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"message", "code", "errors"}
    bearer = httpx.get(
        pd.base_url + "/abilities", headers={"Authorization": "Bearer sandbox-token"}
    )
    assert bearer.status_code == 200


def test_generate_graph_is_a_dag_with_expected_density() -> None:
    document = generate_graph(200, avg_deps=3, seed=7)
    state = SandboxState.from_seed(document)
    account = state.accounts["default"]
    assert len(account.services) == 200
    order = {sid: i for i, sid in enumerate(account.services)}
    edges = list(account.dependencies.values())
    assert all(order[e["supporting"]["id"]] < order[e["dependent"]["id"]] for e in edges)
    assert 400 <= len(edges) <= 800
    assert generate_graph(200, seed=7) == document


def test_yaml_seed_run_sandbox_and_persistence(tmp_path: Path) -> None:
    seed_file = tmp_path / "seed.yaml"
    seed_file.write_text(
        "accounts:\n"
        "  - name: acme\n"
        "    subdomain: acme\n"
        "    tokens: [acme-token]\n"
        "    users: [{name: Ada, email: ada@example.com}]\n"
        "    escalation_policies: [{name: Default, users: [Ada]}]\n"
        "    services:\n"
        "      - {name: api, escalation_policy: Default, integrations: [{vendor: PRO19CT}]}\n"
        "      - {name: db, escalation_policy: Default}\n"
        "    dependencies: [{supporting: db, dependent: api}]\n",
        encoding="utf-8",
    )
    persist = tmp_path / "state.json"
    out = io.StringIO()
    ready = threading.Event()
    holder: list[SandboxServer] = []
    thread = threading.Thread(
        target=run_sandbox,
        kwargs={
            "port": 0,
            "tokens": ["extra"],
            "seed_file": seed_file,
            "persist_path": persist,
            "out": out,
            "ready": ready,
            "server_holder": holder,
        },
        daemon=True,
    )
    thread.start()
    assert ready.wait(5)
    base, events = out.getvalue().splitlines()
    assert events == base + "/events"
    headers = {"Authorization": "Token token=extra"}
    services = httpx.get(base + "/services", headers=headers).json()["services"]
    assert [s["name"] for s in services] == ["api", "db"]
    api_id = services[0]["id"]
    assert httpx.get(
        f"{base}/service_dependencies/technical_services/{api_id}", headers=headers
    ).json()["relationships"][0]["dependent_service"]["id"] == (api_id)
    httpx.put(
        f"{base}/services/{api_id}", headers=headers, json={"service": {"description": "persisted"}}
    )
    holder[0]._server.shutdown()
    thread.join(5)
    reloaded = SandboxState.from_seed(None, persist_path=persist)
    assert reloaded.accounts["acme"].services[api_id]["description"] == "persisted"


def test_reset_restores_seed(api: httpx.Client, pd: SandboxServer) -> None:
    _service(api, "temporary")
    pd.state.fail_next(5, 500)
    pd.state.reset()
    assert api.get("/services").json()["services"] == []
    assert pd.state.faults.fail_next_rules == []


@pytest.mark.parametrize("path", ["/nope", "/services/PX/unknown"])
def test_unknown_routes_are_pagerduty_404(api: httpx.Client, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == 2100


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"accounts": [{"name": "acme", "service": [{"name": "api"}]}]},
            "seed: unknown key 'service' in accounts[0]; known keys: name, subdomain",
        ),
        ({"account": []}, "seed: unknown key 'account' in the document; known keys: settings"),
        (
            {"settings": {"unique_names": False}, "accounts": []},
            "seed: unknown key 'unique_names' in settings",
        ),
    ],
)
def test_a_seed_key_it_does_not_know_is_refused_by_name(
    document: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        SandboxState.from_seed(document)


def test_a_dump_loads_back_under_the_key_check() -> None:
    state = SandboxState.from_seed(generate_graph(20, seed=3))
    dumped = state.dump()
    assert SandboxState.from_seed(dumped).dump() == dumped
