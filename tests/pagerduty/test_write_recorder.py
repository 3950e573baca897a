"""The dry-run recorder against the sandbox: the resource helpers' reads reach PagerDuty, their
writes are recorded as built and never sent, and a recorded create answers with a placeholder
id that later requests carry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pagerduty_actions.pagerduty import Account, ApiToken, LimiterRegistry, PagerDutyClient
from pagerduty_actions.pagerduty.resources import alert_grouping, integrations, services
from pagerduty_actions.pagerduty.write_recorder import WriteRecorder
from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer, sandbox_server


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with sandbox_server() as server:
        yield server


def sandbox_client(sandbox: SandboxServer) -> PagerDutyClient:
    account = Account(
        id="sandbox",
        api_base_url=sandbox.base_url,
        events_base_url=sandbox.events_url,
        auth=ApiToken(DEFAULT_TOKEN),
    )
    return PagerDutyClient(account, limiters=LimiterRegistry())


def writes(sandbox: SandboxServer) -> list[str]:
    return [e.method for e in sandbox.state.requests() if e.method not in ("GET", "HEAD")]


def test_reads_are_answered_by_pagerduty_and_writes_are_only_recorded(
    sandbox: SandboxServer,
) -> None:
    client = sandbox_client(sandbox)
    policy = {"id": next(iter(sandbox.state.accounts["default"].escalation_policies))}
    existing = services.create(client, {"name": "already-there", "escalation_policy": policy})
    sent_before = writes(sandbox)
    recorder = WriteRecorder(client)

    found = services.find_by_name(recorder, "already-there")
    assert found is not None and found["id"] == existing["id"]
    service = services.create(recorder, {"name": "planned"})
    integration = integrations.create_backstage(recorder, service["id"])
    setting = alert_grouping.create(
        recorder, {"type": "time", "config": {"timeout": 0}, "services": []}
    )
    alert_grouping.update(recorder, "PAGS123", {"type": "time", "config": {}})
    assert services.delete(recorder, existing["id"]) is True

    assert writes(sandbox) == sent_before  # nothing was sent
    assert services.exists(client, existing["id"])
    assert service == {"type": "service", "name": "planned", "id": "{serviceId}"}
    assert integration["id"] == "{integrationId}"
    assert setting["id"] == "{alertGroupingSettingId}"
    assert recorder.is_placeholder("{serviceId}") and not recorder.is_placeholder(existing["id"])
    assert recorder.plan() == [
        {
            "method": "POST",
            "path": "/services",
            "body": {"service": {"type": "service", "name": "planned"}},
        },
        {
            "method": "POST",
            "path": "/services/{serviceId}/integrations",
            "body": {
                "integration": {
                    "service": {"id": "{serviceId}", "type": "service_reference"},
                    "name": "Backstage",
                    "vendor": {"id": "PRO19CT", "type": "vendor_reference"},
                }
            },
        },
        {
            "method": "POST",
            "path": "/alert_grouping_settings",
            "body": {  # as the helper cleans it: 0 is sent as null
                "alert_grouping_setting": {
                    "type": "time",
                    "config": {"timeout": None},
                    "services": [],
                }
            },
        },
        {
            "method": "PUT",
            "path": "/alert_grouping_settings/PAGS123",
            "body": {"alert_grouping_setting": {"type": "time", "config": {}}},
        },
        {"method": "DELETE", "path": f"/services/{existing['id']}"},
    ]
