"""Dependency writes against the sandbox, the way PagerDuty makes them fail (#10.4).

PagerDuty answers overlapping associate/disassociate calls of one account with 500, may answer
429 with no headers at all, and 404s a service created a moment ago. The sandbox reproduces
each (``dependency_write_race``, ``fail_next``, ``consistency_delay_ms``) and its request log
shows what reached it, so these tests check the client's behaviour from PagerDuty's side.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from pagerduty_actions.pagerduty import (
    Account,
    ApiToken,
    LimiterRegistry,
    ObjectNotFoundError,
    PagerDutyClient,
    PagerDutyError,
)
from pagerduty_actions.pagerduty.resources import dependencies, escalation_policies, services
from pagerduty_actions.sandbox import DEFAULT_TOKEN, LoggedRequest, SandboxServer, sandbox_server

WRITES = ("/service_dependencies/associate", "/service_dependencies/disassociate")
THREADS = 4


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with sandbox_server() as server:
        yield server


def make_client(
    sandbox: SandboxServer, limiters: LimiterRegistry, **kwargs: Any
) -> PagerDutyClient:
    account = Account(
        id="deps",
        api_base_url=sandbox.base_url,
        events_base_url=sandbox.events_url,
        auth=ApiToken(DEFAULT_TOKEN),
    )
    kwargs.setdefault("backoff_base", 0.05)
    return PagerDutyClient(account, limiters=limiters, **kwargs)


def create_services(client: PagerDutyClient, count: int, prefix: str = "svc") -> list[str]:
    policy = escalation_policies.find_by_name(client, "Default")
    assert policy is not None
    ref = {"id": policy["id"], "type": "escalation_policy_reference"}
    return [
        services.create(client, {"name": f"{prefix}-{i}", "escalation_policy": ref})["id"]
        for i in range(count)
    ]


def dependency_writes(sandbox: SandboxServer) -> list[LoggedRequest]:
    return [e for e in sandbox.state.requests("POST") if e.path in WRITES]


def any_overlap(entries: list[LoggedRequest]) -> bool:
    spans = sorted((e.started, e.finished) for e in entries)
    return any(b[0] < a[1] for a, b in itertools.pairwise(spans))


def write_from_threads(clients: list[PagerDutyClient], ids: list[str]) -> list[BaseException]:
    """Each thread associates its own pairs in batches of 2, then removes one of them."""
    errors: list[BaseException] = []

    def work(index: int, client: PagerDutyClient) -> None:
        pairs = [
            dependencies.relationship(ids[0], ids[1 + index]),
            dependencies.relationship(ids[5], ids[1 + index]),
            dependencies.relationship(ids[6], ids[1 + index]),
        ]
        try:
            dependencies.associate(client, pairs, batch_size=2)
            dependencies.disassociate(client, pairs[2:])
        except PagerDutyError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return errors


def test_writes_of_one_account_never_overlap_across_threads_and_clients(
    sandbox: SandboxServer,
) -> None:
    shared = LimiterRegistry()  # one process: every client of the account shares its lock
    clients = [make_client(sandbox, shared) for _ in range(THREADS)]
    ids = create_services(clients[0], 7)
    sandbox.state.configure_faults({"latency_ms": 30, "dependency_write_race": True})

    assert write_from_threads(clients, ids) == []

    writes = dependency_writes(sandbox)
    assert len(writes) == THREADS * 3  # two associate batches and one disassociate each
    assert not any_overlap(writes)
    assert {e.status for e in writes} == {200}
    for index in range(THREADS):
        related = dependencies.technical_services(clients[0], ids[1 + index])
        assert sorted(r["supporting_service"]["id"] for r in related) == sorted([ids[0], ids[5]])
    for client in clients:
        client.close()


def test_control_unshared_locks_overlap_and_pagerduty_answers_500(
    sandbox: SandboxServer,
) -> None:
    """Without the shared lock the same workload overlaps, and the race fault answers 500:
    the test above would notice a client that stopped serialising."""
    clients = [make_client(sandbox, LimiterRegistry()) for _ in range(THREADS)]
    ids = create_services(clients[0], 7)
    sandbox.state.configure_faults({"latency_ms": 30, "dependency_write_race": True})

    write_from_threads(clients, ids)

    writes = dependency_writes(sandbox)
    assert any_overlap(writes)
    assert 500 in {e.status for e in writes}
    for client in clients:
        client.close()


def test_batches_reach_pagerduty_one_batch_per_call(sandbox: SandboxServer) -> None:
    with make_client(sandbox, LimiterRegistry()) as client:
        hub, *others = create_services(client, 6)
        pairs = [dependencies.relationship(hub, other) for other in others]
        assert len(dependencies.associate(client, pairs, batch_size=2)) == 5
    sizes = [len(e.body["relationships"]) for e in dependency_writes(sandbox)]
    assert sizes == [2, 2, 1]


def test_500_is_retried_with_growing_backoff(sandbox: SandboxServer) -> None:
    sleeps: list[float] = []
    with make_client(sandbox, LimiterRegistry(), sleep=sleeps.append) as client:
        first, second = create_services(client, 2)
        sandbox.state.fail_next(2, 500, "POST", WRITES[0])
        done = dependencies.associate(client, [dependencies.relationship(first, second)])
    assert len(done) == 1
    assert [e.status for e in dependency_writes(sandbox)] == [500, 500, 200]
    assert len(sleeps) == 2 and 0 < sleeps[0] < sleeps[1]


def test_429_without_any_header_still_backs_off(sandbox: SandboxServer) -> None:
    sleeps: list[float] = []
    with make_client(sandbox, LimiterRegistry(), sleep=sleeps.append) as client:
        first, second = create_services(client, 2)
        sandbox.state.configure_faults({"rate_limit": None})
        sandbox.state.fail_next(1, 429, "POST", WRITES[1])
        dependencies.disassociate(client, [dependencies.relationship(first, second)])
    rejected, accepted = dependency_writes(sandbox)
    assert rejected.status == 429 and accepted.status == 200
    assert not {"retry-after", "ratelimit-reset"} & {h.lower() for h in rejected.response_headers}
    assert len(sleeps) == 1 and sleeps[0] > 0


def test_writes_and_reads_right_after_a_create_ride_out_the_lag(sandbox: SandboxServer) -> None:
    with make_client(sandbox, LimiterRegistry()) as client:
        sandbox.state.configure_faults({"consistency_delay_ms": 400})
        first, second = create_services(client, 2, prefix="fresh")
        pair = [dependencies.relationship(first, second)]
        assert len(dependencies.associate(client, pair, retry_404_for=5)) == 1
        related = dependencies.technical_services(client, second, retry_404_for=5)
        assert [r["supporting_service"]["id"] for r in related] == [first]
    statuses = [e.status for e in dependency_writes(sandbox)]
    assert statuses[0] == 404 and statuses[-1] == 200


def test_without_a_retry_window_a_404_counts_as_missing_at_once(sandbox: SandboxServer) -> None:
    with make_client(sandbox, LimiterRegistry()) as client:
        sandbox.state.configure_faults({"consistency_delay_ms": 5000})
        (fresh,) = create_services(client, 1, prefix="new")
        with pytest.raises(ObjectNotFoundError):
            dependencies.technical_services(client, fresh)
        with pytest.raises(ObjectNotFoundError):
            dependencies.associate(client, [dependencies.relationship(fresh, fresh)])
    assert client.stats.retries == 0
