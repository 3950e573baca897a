"""Resource helpers: exact request shapes (checked against rest-v2.json) and result handling."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
import respx

from pagerduty_actions.pagerduty import (
    Account,
    InvalidInputError,
    LimiterRegistry,
    PagerDutyClient,
    UpstreamUnavailableError,
)
from pagerduty_actions.pagerduty.resources import (
    abilities,
    alert_grouping,
    dependencies,
    escalation_policies,
    events,
    incidents,
    insights,
    integrations,
    services,
    vendors,
)

API = "https://api.pagerduty.com"
MakeClient = Callable[..., PagerDutyClient]


@pytest.fixture(autouse=True)
def every_request_matches_openapi(router: respx.Router, openapi: Any) -> Iterator[None]:
    yield
    for call in router.calls:
        if call.request.url.host.startswith("api."):
            openapi.check(call.request)


def sent_json(route: respx.Route, index: int = -1) -> Any:
    return json.loads(route.calls[index].request.content)


def test_service_create_body(router: respx.Router, client: PagerDutyClient) -> None:
    route = router.post(f"{API}/services").respond(
        201, json={"service": {"id": "PSVC1", "name": "checkout"}}
    )
    created = services.create(
        client,
        {
            "name": "checkout",
            "description": "Checkout API",
            "escalation_policy": {"id": "PEP1", "type": "escalation_policy_reference"},
        },
    )
    assert created["id"] == "PSVC1"
    assert sent_json(route) == {
        "service": {
            "type": "service",
            "name": "checkout",
            "description": "Checkout API",
            "escalation_policy": {"id": "PEP1", "type": "escalation_policy_reference"},
        }
    }
    assert client.stats.snapshot() == {"POST /services": 1}


def test_service_get_update_delete(router: respx.Router, client: PagerDutyClient) -> None:
    current = {"id": "PSVC1", "escalation_policy": {"id": "PEP1", "type": "escalation_policy"}}
    get = router.get(f"{API}/services/PSVC1").respond(200, json={"service": current})
    put = router.put(f"{API}/services/PSVC1").respond(200, json={"service": {"id": "PSVC1"}})
    delete = router.delete(f"{API}/services/PSVC1").mock(
        side_effect=[httpx.Response(204), httpx.Response(404)]
    )
    services.get(client, "PSVC1", include=["integrations"])
    assert get.calls.last.request.url.params.get_list("include[]") == ["integrations"]
    services.update(client, "PSVC1", {"description": "new"})
    # rest-v2.json requires escalation_policy in an update: the current one is sent back.
    assert sent_json(put) == {
        "service": {
            "type": "service",
            "description": "new",
            "escalation_policy": {"id": "PEP1", "type": "escalation_policy_reference"},
        }
    }
    moved = {"id": "PEP2", "type": "escalation_policy_reference"}
    services.update(client, "PSVC1", {"escalation_policy": moved})
    assert sent_json(put) == {"service": {"type": "service", "escalation_policy": moved}}
    assert services.delete(client, "PSVC1") is True
    assert services.delete(client, "PSVC1") is False
    assert delete.call_count == 2
    assert client.stats.count("GET", "/services/{id}") == 2


def test_service_find_by_name_is_exact(router: respx.Router, client: PagerDutyClient) -> None:
    route = router.get(f"{API}/services").respond(
        200,
        json={
            "services": [{"id": "P1", "name": "checkout-v2"}, {"id": "P2", "name": "Checkout"}],
            "more": False,
        },
    )
    assert services.find_by_name(client, "checkout") is None
    assert services.find_by_name(client, "Checkout") == {"id": "P2", "name": "Checkout"}
    assert route.calls.last.request.url.params["query"] == "Checkout"


def test_service_path_ids_are_quoted(router: respx.Router, client: PagerDutyClient) -> None:
    route = router.get(url__regex=r".*").respond(200, json={"service": {"id": "x"}})
    services.get(client, "../users")
    assert route.calls.last.request.url.raw_path == b"/services/..%2Fusers"


def test_backstage_integration_create_and_find(
    router: respx.Router, client: PagerDutyClient
) -> None:
    create = router.post(f"{API}/services/PSVC1/integrations").respond(
        201, json={"integration": {"id": "PINT1", "integration_key": "k" * 32}}
    )
    created = integrations.create_backstage(client, "PSVC1")
    assert created["id"] == "PINT1"
    assert sent_json(create) == {
        "integration": {
            "service": {"id": "PSVC1", "type": "service_reference"},
            "name": "Backstage",
            "vendor": {"id": "PRO19CT", "type": "vendor_reference"},
        }
    }
    router.get(f"{API}/services/PSVC1").respond(
        200,
        json={
            "service": {
                "id": "PSVC1",
                "integrations": [
                    {"id": "PINT0", "name": "Email", "vendor": None},
                    {"id": "PINT1", "name": "Backstage", "vendor": {"id": "PRO19CT"}},
                ],
            }
        },
    )
    detail = router.get(f"{API}/services/PSVC1/integrations/PINT1").respond(
        200, json={"integration": {"id": "PINT1", "integration_key": "abc"}}
    )
    found = integrations.find_backstage(client, "PSVC1")
    assert found == {"id": "PINT1", "integration_key": "abc"}
    assert detail.call_count == 1


def test_integration_retry_check_finds_the_half_created_one(
    router: respx.Router, client: PagerDutyClient
) -> None:
    post = router.post(f"{API}/services/PSVC1/integrations").mock(
        side_effect=[httpx.ReadTimeout("lost")]
    )
    router.get(f"{API}/services/PSVC1").respond(
        200,
        json={
            "service": {
                "id": "PSVC1",
                "integrations": [{"id": "PINT1", "name": "Backstage", "vendor": {"id": "PRO19CT"}}],
            }
        },
    )
    router.get(f"{API}/services/PSVC1/integrations/PINT1").respond(
        200, json={"integration": {"id": "PINT1", "integration_key": "abc"}}
    )
    assert integrations.create_backstage(client, "PSVC1")["integration_key"] == "abc"
    assert post.call_count == 1


def test_vendor_find_by_name_ignores_case(router: respx.Router, client: PagerDutyClient) -> None:
    router.get(f"{API}/vendors").respond(
        200,
        json={"vendors": [{"id": "PV1", "name": "Datadog"}, {"id": "PV2", "name": "Grafana"}]},
    )
    assert vendors.find_by_name(client, "grafana") == {"id": "PV2", "name": "Grafana"}
    assert vendors.find_by_name(client, "nagios") is None


def test_abilities(router: respx.Router, client: PagerDutyClient) -> None:
    router.get(f"{API}/abilities").respond(200, json={"abilities": ["teams", "urgencies"]})
    router.get(f"{API}/abilities/teams").respond(204)
    router.get(f"{API}/abilities/sso").respond(
        402, json={"error": {"message": "Account does not have the ability", "code": 2014}}
    )
    assert abilities.list_abilities(client) == ["teams", "urgencies"]
    assert abilities.has(client, "teams") is True
    assert abilities.has(client, "sso") is False


def test_escalation_policy_by_name_in_two_calls_among_500(
    router: respx.Router, client: PagerDutyClient
) -> None:
    policies = [{"id": f"PEP{i}", "name": f"Team {i}"} for i in range(500)]

    def search(request: httpx.Request) -> httpx.Response:
        q = request.url.params.get("query", "")
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        hits = [p for p in policies if q.lower() in p["name"].lower()]
        page = hits[offset : offset + limit]
        return httpx.Response(
            200, json={"escalation_policies": page, "more": offset + limit < len(hits)}
        )

    router.get(f"{API}/escalation_policies").mock(side_effect=search)
    found = escalation_policies.find_by_name(client, "Team 4")
    assert found == {"id": "PEP4", "name": "Team 4"}
    assert client.stats.count("GET", "/escalation_policies") <= 2
    router.get(f"{API}/escalation_policies/PEP4").respond(
        200, json={"escalation_policy": {"id": "PEP4"}}
    )
    assert escalation_policies.get(client, "PEP4") == {"id": "PEP4"}


def test_alert_grouping_never_sends_zero(router: respx.Router, client: PagerDutyClient) -> None:
    route = router.post(f"{API}/alert_grouping_settings").respond(
        201, json={"alert_grouping_setting": {"id": "PAG1"}}
    )
    alert_grouping.create(
        client,
        {
            "type": "time",
            "config": {"timeout": 0},
            "services": alert_grouping.service_refs(["PSVC1"]),
        },
    )
    assert sent_json(route) == {
        "alert_grouping_setting": {
            "type": "time",
            "config": {"timeout": None},
            "services": [{"id": "PSVC1", "type": "service_reference"}],
        }
    }
    with pytest.raises(ValueError, match="type"):
        alert_grouping.create(client, {"type": "fuzzy", "config": {}})


def test_alert_grouping_crud(router: respx.Router, client: PagerDutyClient) -> None:
    router.get(f"{API}/alert_grouping_settings/PAG1").respond(
        200, json={"alert_grouping_setting": {"id": "PAG1"}}
    )
    put = router.put(f"{API}/alert_grouping_settings/PAG1").respond(
        200, json={"alert_grouping_setting": {"id": "PAG1"}}
    )
    router.delete(f"{API}/alert_grouping_settings/PAG1").respond(204)
    assert alert_grouping.get(client, "PAG1") == {"id": "PAG1"}
    alert_grouping.update(
        client, "PAG1", {"type": "intelligent", "config": {"time_window": 0, "iag_fields": []}}
    )
    assert sent_json(put)["alert_grouping_setting"]["config"] == {
        "time_window": None,
        "iag_fields": [],
    }
    assert alert_grouping.delete(client, "PAG1") is True


def test_alert_grouping_list_pages_by_after(router: respx.Router, client: PagerDutyClient) -> None:
    route = router.get(f"{API}/alert_grouping_settings").mock(
        side_effect=[
            httpx.Response(200, json={"alert_grouping_settings": [{"id": "A"}], "after": "c1"}),
            httpx.Response(200, json={"alert_grouping_settings": [{"id": "B"}], "after": None}),
        ]
    )
    found = list(alert_grouping.list_settings(client, service_ids=["PSVC1"]))
    assert [s["id"] for s in found] == ["A", "B"]
    assert route.calls[1].request.url.params["after"] == "c1"
    assert route.calls[0].request.url.params.get_list("service_ids[]") == ["PSVC1"]


def test_alert_grouping_empty_404_is_an_empty_list(
    router: respx.Router, client: PagerDutyClient
) -> None:
    router.get(f"{API}/alert_grouping_settings").respond(404)
    assert list(alert_grouping.list_settings(client)) == []


def test_dependencies_read_and_batched_associate(
    router: respx.Router, client: PagerDutyClient
) -> None:
    router.get(f"{API}/service_dependencies/technical_services/PSVC1").respond(
        200, json={"relationships": [dependencies.relationship("PDB", "PSVC1")]}
    )
    assert dependencies.technical_services(client, "PSVC1") == [
        {
            "supporting_service": {"id": "PDB", "type": "service"},
            "dependent_service": {"id": "PSVC1", "type": "service"},
        }
    ]

    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=json.loads(request.content))

    route = router.post(f"{API}/service_dependencies/associate").mock(side_effect=echo)
    pairs = [dependencies.relationship(f"PS{i}", "PSVC1") for i in range(250)]
    done = dependencies.associate(client, pairs)
    assert done == pairs
    assert [len(sent_json(route, i)["relationships"]) for i in range(3)] == [100, 100, 50]
    assert client.stats.count("POST", "/service_dependencies/associate") == 3
    small = router.post(f"{API}/service_dependencies/disassociate").mock(side_effect=echo)
    dependencies.disassociate(client, pairs[:5], batch_size=2)
    assert small.call_count == 3


def test_dependency_writes_are_serialised_per_account(
    router: respx.Router, make_client: MakeClient, account: Account
) -> None:
    lock = threading.Lock()
    in_flight = 0
    peak = 0

    def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return httpx.Response(200, json={"relationships": []})

    router.post(f"{API}/service_dependencies/associate").mock(side_effect=slow)
    shared = LimiterRegistry()
    clients = [make_client(replace(account, id="serial"), limiters=shared) for _ in range(4)]
    pair = [dependencies.relationship("A", "B")]
    threads = [threading.Thread(target=dependencies.associate, args=(c, pair)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert peak == 1


def test_dependency_write_500_is_retried_but_bounded(
    router: respx.Router, make_client: MakeClient
) -> None:
    route = router.post(f"{API}/service_dependencies/associate").respond(500)
    with pytest.raises(UpstreamUnavailableError):
        dependencies.associate(make_client(max_attempts=3), [dependencies.relationship("A", "B")])
    assert route.call_count == 3


def test_incident_create_sends_from_header(router: respx.Router, client: PagerDutyClient) -> None:
    route = router.post(f"{API}/incidents").respond(201, json={"incident": {"id": "PINC1"}})
    incidents.create(
        client,
        from_email="oncall@example.com",
        incident={"title": "Disk full", "service": {"id": "PSVC1", "type": "service_reference"}},
    )
    request = route.calls.last.request
    assert request.headers["From"] == "oncall@example.com"
    assert json.loads(request.content) == {
        "incident": {
            "type": "incident",
            "title": "Disk full",
            "service": {"id": "PSVC1", "type": "service_reference"},
        }
    }


def test_incident_with_key_is_looked_up_before_a_resend(
    router: respx.Router, client: PagerDutyClient
) -> None:
    post = router.post(f"{API}/incidents").mock(side_effect=[httpx.Response(500)])
    listing = router.get(f"{API}/incidents").respond(
        200, json={"incidents": [{"id": "PINC1"}], "more": False}
    )
    found = incidents.create(
        client,
        from_email="a@example.com",
        incident={"title": "x", "service": {"id": "PSVC1"}, "incident_key": "disk-1"},
    )
    assert found == {"id": "PINC1"}
    assert post.call_count == 1
    params = listing.calls.last.request.url.params
    assert params["incident_key"] == "disk-1"
    assert params.get_list("service_ids[]") == ["PSVC1"]


def test_insights_requests(router: respx.Router, client: PagerDutyClient) -> None:
    oncalls = router.get(f"{API}/oncalls").respond(
        200, json={"oncalls": [{"escalation_level": 1}], "more": False}
    )
    changes = router.get(f"{API}/services/PSVC1/change_events").respond(
        200, json={"change_events": [{"id": "C1"}]}
    )
    scores = router.get(f"{API}/standards/scores/technical_services/PSVC1").respond(
        200, json={"resource_id": "PSVC1", "score": {"passing": 3, "total": 4}}
    )
    metrics = router.post(f"{API}/analytics/metrics/incidents/services").respond(
        200, json={"data": [{"service_id": "PSVC1", "total_incident_count": 2}]}
    )
    assert len(list(insights.oncalls(client, escalation_policy_ids=["PEP1"], earliest=True))) == 1
    assert oncalls.calls.last.request.url.params.get_list("escalation_policy_ids[]") == ["PEP1"]
    assert insights.change_events(client, "PSVC1", since="2024-01-01T00:00:00Z") == [{"id": "C1"}]
    assert changes.calls.last.request.url.params["since"] == "2024-01-01T00:00:00Z"
    assert insights.standards_scores(client, "PSVC1")["score"]["passing"] == 3
    assert scores.call_count == 1
    data = insights.service_incident_metrics(
        client,
        ["PSVC1"],
        created_at_start="2024-01-01T00:00:00Z",
        created_at_end="2024-02-01T00:00:00Z",
        aggregate_unit="week",
    )
    assert data[0]["total_incident_count"] == 2
    assert sent_json(metrics) == {
        "filters": {
            "created_at_start": "2024-01-01T00:00:00Z",
            "created_at_end": "2024-02-01T00:00:00Z",
            "service_ids": ["PSVC1"],
        },
        "aggregate_unit": "week",
    }


def test_events_enqueue_uses_events_host_and_no_rest_credential(
    router: respx.Router, make_client: MakeClient, account: Account
) -> None:
    eu = replace(account, id="eu", events_base_url="https://events.eu.pagerduty.com")
    route = router.post("https://events.eu.pagerduty.com/v2/enqueue").respond(
        202, json={"status": "success", "message": "Event processed", "dedup_key": "d1"}
    )
    key = "R0UTINGKEY-not-hex-shaped-123"
    result = events.enqueue(
        make_client(eu),
        key,
        "trigger",
        payload={"summary": "CPU high", "source": "web-1", "severity": "critical"},
        dedup_key="d1",
    )
    assert result["dedup_key"] == "d1"
    request = route.calls.last.request
    assert "Authorization" not in request.headers
    assert json.loads(request.content) == {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": "d1",
        "payload": {"summary": "CPU high", "source": "web-1", "severity": "critical"},
    }


def test_events_error_never_shows_the_routing_key(
    router: respx.Router, client: PagerDutyClient
) -> None:
    key = "R0UTINGKEY-not-hex-shaped-123"
    router.post("https://events.pagerduty.com/v2/enqueue").respond(
        400,
        json={
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": [f"routing_key {key} is unknown"],
        },
    )
    with pytest.raises(InvalidInputError) as caught:
        events.enqueue(client, key, "resolve", dedup_key="d1")
    assert "Event object is invalid" in str(caught.value)
    assert key not in str(caught.value)
