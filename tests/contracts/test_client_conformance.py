"""Every resource helper of our PagerDuty client, run against the sandbox, with every request it
sent and every answer it got checked against PagerDuty's OpenAPI documents (#3 "Done when").

The test_sandbox_conformance suite proves the sandbox answers like PagerDuty; this one proves our
client asks like a PagerDuty client must (paths, query parameters, headers, body schemas), error
paths included. A guard fails when a public helper is added to ``resources`` without being
exercised here, so new endpoints cannot skip the contract.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import openapi_check
import pytest

from pagerduty_actions.pagerduty import (
    OPERATION_SCOPES,
    Account,
    ApiToken,
    LimiterRegistry,
    ObjectNotFoundError,
    PagerDutyClient,
)
from pagerduty_actions.pagerduty import resources as resource_package
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
from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer, sandbox_server

T = TypeVar("T")
ADMIN_EMAIL = "admin@sandbox.example.com"


class HelperRecorder:
    """Calls resource helpers and remembers which ones ran (``module.function``)."""

    def __init__(self) -> None:
        self.called: set[str] = set()

    def __call__(self, helper: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        self.called.add(f"{helper.__module__.rsplit('.', 1)[-1]}.{helper.__name__}")
        return helper(*args, **kwargs)


def public_helpers() -> set[str]:
    """Every public function defined in a module of ``pagerduty.resources``."""
    found: set[str] = set()
    for module_name in resource_package.__all__:
        module = getattr(resource_package, module_name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                found.add(f"{module_name}.{name}")
    return found


@dataclasses.dataclass
class Run:
    sandbox: SandboxServer
    recorder: HelperRecorder


def drive_every_helper(client: PagerDutyClient, call: HelperRecorder) -> None:
    """One realistic pass over every helper, including the answers that are not 2xx."""
    # Lookups a service create starts with.
    assert "teams" in call(abilities.list_abilities, client)
    assert call(abilities.has, client, "teams") is True
    policy = call(escalation_policies.find_by_name, client, "Default")
    assert policy is not None
    assert call(escalation_policies.get, client, policy["id"])["name"] == "Default"
    assert len(list(call(escalation_policies.list_policies, client))) >= 2
    backstage = call(vendors.find_by_name, client, "backstage")
    assert backstage is not None and backstage["id"] == integrations.BACKSTAGE_VENDOR_ID
    assert list(call(vendors.list_vendors, client))

    # Services.
    policy_ref = {"id": policy["id"], "type": "escalation_policy_reference"}
    api = call(services.create, client, {"name": "contract-api", "escalation_policy": policy_ref})
    db = call(services.create, client, {"name": "contract-db", "escalation_policy": policy_ref})
    assert call(services.get, client, api["id"], include=["integrations"])["id"] == api["id"]
    assert [s["id"] for s in call(services.list_services, client, query="contract-")] == [
        api["id"],
        db["id"],
    ]
    assert call(services.find_by_name, client, "contract-db")["id"] == db["id"]  # type: ignore[index]
    updated = call(services.update, client, api["id"], {"description": "checked"})
    assert updated["description"] == "checked"

    # Integrations.
    created = call(integrations.create_backstage, client, api["id"])
    found = call(integrations.find_backstage, client, api["id"])
    assert found is not None and found["integration_key"] == created["integration_key"]
    generic = call(
        integrations.create,
        client,
        api["id"],
        {"type": "events_api_v2_inbound_integration", "name": "Events"},
    )
    assert call(integrations.get, client, api["id"], generic["id"])["name"] == "Events"
    assert len(call(integrations.list_for_service, client, api["id"])) == 2

    # Alert grouping settings (a zero timeout goes out as null).
    setting = call(
        alert_grouping.create,
        client,
        {
            "name": "contract grouping",
            "type": "time",
            "config": {"timeout": 0},
            "services": call(alert_grouping.service_refs, [api["id"]]),
        },
    )
    assert call(alert_grouping.get, client, setting["id"])["id"] == setting["id"]
    call(alert_grouping.update, client, setting["id"], {"type": "time", "config": {"timeout": 60}})
    listed = list(call(alert_grouping.list_settings, client, service_ids=[api["id"]]))
    assert [s["id"] for s in listed] == [setting["id"]]
    assert call(alert_grouping.exists, client, setting["id"]) is True
    assert call(alert_grouping.delete, client, setting["id"]) is True
    assert call(alert_grouping.delete, client, setting["id"]) is False  # 404 answered
    assert call(alert_grouping.exists, client, setting["id"]) is False

    # Dependencies.
    pair = call(dependencies.relationship, db["id"], api["id"])
    assert len(call(dependencies.associate, client, [pair])) == 1
    related = call(dependencies.technical_services, client, api["id"])
    assert [r["supporting_service"]["id"] for r in related] == [db["id"]]
    assert len(call(dependencies.disassociate, client, [pair])) == 1

    # Incidents and Events API v2.
    incident = call(
        incidents.create,
        client,
        from_email=ADMIN_EMAIL,
        incident={
            "title": "Contract check",
            "service": {"id": api["id"], "type": "service_reference"},
            "incident_key": "contract-1",
        },
    )
    listed_incidents = list(call(incidents.list_for_service, client, api["id"]))
    assert [i["id"] for i in listed_incidents] == [incident["id"]]
    accepted = call(
        events.enqueue,
        client,
        generic["integration_key"],
        "trigger",
        payload={"summary": "CPU high", "source": "host-1", "severity": "critical"},
        dedup_key="contract-event",
    )
    assert accepted["status"] == "success"
    # What a dry run plans is the body enqueue sent, to the URL it sent it to.
    planned = call(
        events.event_body,
        generic["integration_key"],
        "trigger",
        payload={"summary": "CPU high", "source": "host-1", "severity": "critical"},
        dedup_key="contract-event",
    )
    assert call(events.enqueue_url, client) == client.account.events_base_url + "/v2/enqueue"
    assert planned["dedup_key"] == accepted["dedup_key"]

    # Read-only views for the catalog.
    assert list(call(insights.oncalls, client, escalation_policy_ids=[policy["id"]]))
    call(
        insights.change_events,
        client,
        api["id"],
        since="2024-01-01T00:00:00Z",
        until="2099-01-01T00:00:00Z",
    )
    assert "standards" in call(insights.standards_scores, client, api["id"])
    metrics = call(
        insights.service_incident_metrics,
        client,
        [api["id"]],
        created_at_start="2024-01-01T00:00:00Z",
        created_at_end="2099-01-01T00:00:00Z",
    )
    assert metrics[0]["service_id"] == api["id"]

    # Clean-up, and the answers for what is gone.
    assert call(services.exists, client, db["id"]) is True
    assert call(services.delete, client, db["id"]) is True
    assert call(services.delete, client, db["id"]) is False
    assert call(services.exists, client, db["id"]) is False
    with pytest.raises(ObjectNotFoundError):
        call(services.get, client, db["id"])


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    """The sandbox after one pass over every helper, with its request log."""
    recorder = HelperRecorder()
    with sandbox_server() as sandbox:
        account = Account(
            id="contracts",
            api_base_url=sandbox.base_url,
            events_base_url=sandbox.events_url,
            auth=ApiToken(DEFAULT_TOKEN),
        )
        with PagerDutyClient(account, limiters=LimiterRegistry()) as client:
            drive_every_helper(client, recorder)
            # An account without an ability answers 402 (abilities.has then says False).
            sandbox.state.set_abilities("default", set())
            assert recorder(abilities.has, client, "teams") is False
        yield Run(sandbox, recorder)


def test_every_request_and_answer_conforms(run: Run, conformance: Callable[[object], int]) -> None:
    logged = run.sandbox.state.requests()
    checked = conformance(run.sandbox.state)
    assert checked == len(logged) > 30  # the client used no admin or OAuth routes here
    statuses = {e.status for e in logged}
    assert {200, 201, 202, 204, 402, 404} <= statuses, "error answers must be checked too"


def test_every_public_helper_is_exercised(run: Run) -> None:
    missing = public_helpers() - run.recorder.called
    assert not missing, f"add these resource helpers to drive_every_helper: {sorted(missing)}"


# Every PagerDuty operation the client uses, by operationId in rest-v2.json / events-v2.json.
CLIENT_OPERATIONS = {
    "createIncident",
    "createService",
    "createServiceDependency",
    "createServiceIntegration",
    "createV2Event",
    "deleteAlertGroupingSetting",
    "deleteService",
    "deleteServiceDependency",
    "getAbility",
    "getAlertGroupingSetting",
    "getAnalyticsMetricsIncidentsService",
    "getEscalationPolicy",
    "getService",
    "getServiceIntegration",
    "getTechnicalServiceServiceDependencies",
    "listAbilities",
    "listAlertGroupingSettings",
    "listEscalationPolicies",
    "listIncidents",
    "listOnCalls",
    "listResourceStandards",
    "listServiceChangeEvents",
    "listServices",
    "listVendors",
    "postAlertGroupingSettings",
    "putAlertGroupingSetting",
    "updateService",
}


def test_every_operation_the_client_uses_was_checked(run: Run) -> None:
    seen = {openapi_check.operation(e.method, e.path)[1] for e in run.sandbox.state.requests()}
    assert seen == CLIENT_OPERATIONS


def test_every_rest_operation_the_client_uses_has_its_oauth_scope_listed(run: Run) -> None:
    """The start-up scope check relies on OPERATION_SCOPES knowing every REST call made."""
    rest = {
        (e.method, e.template)
        for e in run.sandbox.state.requests()
        if not e.path.startswith("/events/")
    }
    assert rest == set(OPERATION_SCOPES)


def test_a_nonconforming_exchange_names_path_operation_and_error(run: Run) -> None:
    created = run.sandbox.state.requests("POST", "/services")[0]
    with pytest.raises(openapi_check.ContractError) as request_error:
        openapi_check.check_request(
            created.method,
            created.path,
            created.query,
            created.headers,
            {"service": {**created.body["service"], "name": 42}},
        )
    message = str(request_error.value)
    assert "POST /services" in message and "createService" in message and "name" in message
    answer = dict(created.response_body)
    answer["service"] = {**answer["service"], "status": "sleeping"}
    with pytest.raises(openapi_check.ContractError) as response_error:
        openapi_check.check_response(
            created.method, created.path, created.status, created.response_headers, answer
        )
    assert "createService" in str(response_error.value)
    assert "status" in str(response_error.value)
