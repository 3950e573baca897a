"""The client against the sandbox PagerDuty over real loopback HTTP: a whole create flow, and
the faults users hit (dropped POSTs, rate limits, read-after-write lag, OAuth)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from pagerduty_actions.pagerduty import (
    Account,
    AlreadyExistsError,
    ApiToken,
    LimiterRegistry,
    OAuthSettings,
    PagerDutyClient,
)
from pagerduty_actions.pagerduty.resources import (
    alert_grouping,
    dependencies,
    escalation_policies,
    integrations,
    services,
)
from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer, sandbox_server


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = sandbox_server()
    try:
        yield server
    finally:
        server.stop()


def sandbox_client(sandbox: SandboxServer, **kwargs: Any) -> PagerDutyClient:
    auth = kwargs.pop("auth", ApiToken(DEFAULT_TOKEN))
    account = Account(
        id="sandbox",
        api_base_url=sandbox.base_url,
        events_base_url=sandbox.events_url,
        auth=auth,
    )
    kwargs.setdefault("limiters", LimiterRegistry())
    return PagerDutyClient(account, **kwargs)


def new_service(client: PagerDutyClient, name: str) -> dict[str, Any]:
    policy = escalation_policies.find_by_name(client, "Default")
    assert policy is not None
    return services.create(
        client,
        {
            "name": name,
            "escalation_policy": {"id": policy["id"], "type": "escalation_policy_reference"},
        },
    )


def test_create_flow(sandbox: SandboxServer) -> None:
    with sandbox_client(sandbox) as client:
        service = new_service(client, "checkout")
        created = integrations.create_backstage(client, service["id"])
        found = integrations.find_backstage(client, service["id"])
        assert found is not None
        assert found["integration_key"] == created["integration_key"]
        db = new_service(client, "checkout-db")
        dependencies.associate(client, [dependencies.relationship(db["id"], service["id"])])
        related = dependencies.technical_services(client, service["id"])
        assert [r["supporting_service"]["id"] for r in related] == [db["id"]]
        with pytest.raises(AlreadyExistsError, match="already been taken"):
            new_service(client, "checkout")


def test_dropped_post_creates_exactly_one_service(sandbox: SandboxServer) -> None:
    sandbox.state.configure_faults(
        {"fail_next": [{"count": 1, "status": "drop", "method": "POST", "path": "/services"}]}
    )
    with sandbox_client(sandbox, sleep=lambda s: None) as client:
        service = new_service(client, "payments")
        matches = [s for s in services.list_services(client, query="payments")]
        assert [s["id"] for s in matches] == [service["id"]]
        assert client.stats.count("POST", "/services") == 2


def test_rate_limit_is_waited_out(sandbox: SandboxServer) -> None:
    sandbox.state.set_rate_limit(3, 1.0)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with sandbox_client(sandbox, sleep=sleep) as client:
        for _ in range(5):
            client.get("/abilities")
    assert waits, "the sandbox should have answered 429 at least once"
    assert all(0 < w <= 1.0 for w in waits)


def test_read_after_create_rides_out_lag(sandbox: SandboxServer) -> None:
    with sandbox_client(sandbox) as client:
        sandbox.state.configure_faults({"consistency_delay_ms": 300})
        service = new_service(client, "search")
        assert services.get(client, service["id"], retry_404_for=5)["id"] == service["id"]


def test_oauth_against_sandbox(sandbox: SandboxServer) -> None:
    auth = OAuthSettings(
        client_id="sandbox-client",
        client_secret="sandbox-secret",
        sub_domain="sandbox",
        scopes=("services.read", "abilities.read"),
        identity_url=f"{sandbox.base_url}/oauth/token",
    )
    with sandbox_client(sandbox, auth=auth) as client:
        assert client.get("/abilities")["abilities"]
        assert client.missing_scopes(["services.read"]) == []
        assert client.missing_scopes(["teams.write"]) == ["teams.write"]


def test_reads_of_new_integrations_and_grouping_settings_ride_out_lag(
    sandbox: SandboxServer,
) -> None:
    with sandbox_client(sandbox) as client:
        service = new_service(client, "lagging-reads")
        time.sleep(0.35)  # the service itself is visible before the lag is switched on
        sandbox.state.configure_faults({"consistency_delay_ms": 300})
        created = integrations.create_backstage(client, service["id"])
        read = integrations.get(client, service["id"], created["id"], retry_404_for=5)
        assert read["integration_key"] == created["integration_key"]
        setting = alert_grouping.create(
            client,
            {
                "type": "time",
                "config": {"timeout": 300},
                "services": alert_grouping.service_refs([service["id"]]),
            },
        )
        assert alert_grouping.get(client, setting["id"], retry_404_for=5)["id"] == setting["id"]
    statuses = [
        e.status
        for e in sandbox.state.requests("GET")
        if e.template
        in ("/services/{id}/integrations/{integration_id}", "/alert_grouping_settings/{id}")
    ]
    assert 404 in statuses and statuses.count(200) == 2
