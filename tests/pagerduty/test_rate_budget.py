"""The client-side budget keeps a busy process under PagerDuty's rate limit (#3 "Done when").

The sandbox's window is shortened to 20 requests per second and the client's limiter is set to
the same budget; 200 reads from 4 threads must all succeed with at most 2% answered 429, counted
in the sandbox's own request log rather than trusted from the client.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from pagerduty_actions.pagerduty import (
    Account,
    ApiToken,
    LimiterRegistry,
    PagerDutyClient,
    PagerDutyError,
)
from pagerduty_actions.pagerduty.resources import abilities, escalation_policies
from pagerduty_actions.sandbox import DEFAULT_TOKEN, SandboxServer, sandbox_server

WINDOW_SECONDS = 1.0
PER_WINDOW = 20
READS = 200
THREADS = 4


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with sandbox_server() as server:
        server.state.set_rate_limit(PER_WINDOW, WINDOW_SECONDS)
        yield server


def budget_client(sandbox: SandboxServer, limiters: LimiterRegistry) -> PagerDutyClient:
    account = Account(
        id="budget",
        api_base_url=sandbox.base_url,
        events_base_url=sandbox.events_url,
        auth=ApiToken(DEFAULT_TOKEN),
        max_concurrency=THREADS,
    )
    return PagerDutyClient(account, limiters=limiters)


def one_request_reads(client: PagerDutyClient, policy_id: str) -> list[Callable[[], object]]:
    """Helpers that each cost exactly one request, so 200 calls are 200 reads."""
    return [
        lambda: abilities.list_abilities(client),
        lambda: escalation_policies.get(client, policy_id),
        lambda: abilities.has(client, "teams"),
        lambda: escalation_policies.find_by_name(client, "Default"),
    ]


def max_arrivals_in_any_window(starts: list[float], window: float) -> int:
    ordered = sorted(starts)
    best, left = 0, 0
    for right, stamp in enumerate(ordered):
        while stamp - ordered[left] >= window:
            left += 1
        best = max(best, right - left + 1)
    return best


def test_200_reads_stay_inside_a_matching_budget(sandbox: SandboxServer) -> None:
    limiters = LimiterRegistry(window_seconds=WINDOW_SECONDS, requests_per_window=PER_WINDOW)
    policy_id = next(iter(sandbox.state.accounts["default"].escalation_policies))
    failures: list[BaseException] = []
    counter = iter(range(READS))
    counter_lock = threading.Lock()

    with budget_client(sandbox, limiters) as client:
        reads = one_request_reads(client, policy_id)

        def worker() -> None:
            while True:
                with counter_lock:
                    index = next(counter, None)
                if index is None:
                    return
                try:
                    reads[index % len(reads)]()
                except PagerDutyError as exc:
                    failures.append(exc)

        started = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - started

    assert failures == []
    logged = [e for e in sandbox.state.requests() if not e.path.startswith("/_sandbox")]
    rejected = [e for e in logged if e.status == 429]
    assert len(logged) - len(rejected) == READS
    assert len(rejected) <= 0.02 * len(logged), f"{len(rejected)} of {len(logged)} got 429"
    # The budget, not luck, kept it there: arrivals never exceed 20 in any one-second span,
    # and 200 reads at 20 a second take at least nine full windows.
    assert max_arrivals_in_any_window([e.started for e in logged], WINDOW_SECONDS) <= PER_WINDOW
    assert elapsed >= (READS / PER_WINDOW - 1) * WINDOW_SECONDS


def test_the_sandbox_window_really_rejects_a_burst(sandbox: SandboxServer) -> None:
    """Control for the test above: the same window does answer 429 to an unpaced burst."""
    headers = {
        "Authorization": f"Token token={DEFAULT_TOKEN}",
        "Accept": "application/vnd.pagerduty+json;version=2",
    }
    # Sent from threads released together, so the burst arrives within one window even when
    # the machine is loaded (one after another, 25 calls could spread over more than 1 s).
    burst = 2 * PER_WINDOW
    start = threading.Barrier(burst)

    def call(_: int) -> int:
        with httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=30) as http:
            start.wait(timeout=30)
            return http.get("/abilities").status_code

    with ThreadPoolExecutor(max_workers=burst) as pool:
        statuses = list(pool.map(call, range(burst)))
    assert statuses.count(429) >= 1
    assert set(statuses) <= {200, 429}


def test_registry_fixes_the_budget_per_window_for_every_account() -> None:
    limiters = LimiterRegistry(window_seconds=2.0, requests_per_window=20)
    account = Account(
        id="any",
        api_base_url="http://127.0.0.1:9",
        events_base_url="http://127.0.0.1:9",
        auth=ApiToken("t"),
        requests_per_minute=960,
    )
    limiter = limiters.for_account(account)
    assert (limiter.budget.limit, limiter.budget.window) == (20, 2.0)
    with pytest.raises(ValueError, match="requests_per_window"):
        LimiterRegistry(requests_per_window=0)
