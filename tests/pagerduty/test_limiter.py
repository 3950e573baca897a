"""The per-account limiter: a requests-per-window budget and a cap on requests in flight."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import respx

from pagerduty_actions.pagerduty import Account, LimiterRegistry, PagerDutyClient
from pagerduty_actions.pagerduty.limiter import SlidingWindow

API = "https://api.pagerduty.com"
MakeClient = Callable[..., PagerDutyClient]


def test_window_allows_budget_then_waits_for_the_oldest(clock: Any) -> None:
    window = SlidingWindow(20, 2.0, clock=clock, sleep=clock.sleep)
    for _ in range(20):
        assert window.acquire() == 0
    assert clock.sleeps == []
    assert window.acquire() == 2.0
    assert clock.sleeps == [2.0]


def test_window_is_sliding_not_fixed(clock: Any) -> None:
    window = SlidingWindow(2, 10.0, clock=clock, sleep=clock.sleep)
    window.acquire()
    clock.advance(6)
    window.acquire()
    clock.advance(5)  # t=11: the first stamp (t=0) expired, the second (t=6) has not
    assert window.acquire() == 0
    assert window.acquire() == 5.0  # waits until t=16, when t=6 leaves the window


def test_client_spreads_requests_over_the_budget(
    router: respx.Router, make_client: MakeClient, account: Account, clock: Any
) -> None:
    router.get(f"{API}/abilities").respond(200, json={"abilities": []})
    limiters = LimiterRegistry(window_seconds=2.0, clock=clock, sleep=clock.sleep)
    fast = replace(account, requests_per_minute=600)  # 20 per 2 s
    client = make_client(fast, limiters=limiters)
    start = clock()
    for _ in range(45):
        client.get("/abilities")
    assert clock() - start == 4.0  # 20 now, 20 at t+2, 5 at t+4
    assert client.limiter.budget.limit == 20
    assert client.limiter.waited_seconds == 4.0


def test_clients_of_one_account_share_one_limiter(make_client: MakeClient, clock: Any) -> None:
    limiters = LimiterRegistry(clock=clock, sleep=clock.sleep)
    first = make_client(limiters=limiters)
    second = make_client(limiters=limiters)
    assert first.limiter is second.limiter


def test_concurrency_cap_holds_across_threads(
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
        return httpx.Response(200, json={"abilities": []})

    router.get(f"{API}/abilities").mock(side_effect=slow)
    capped = replace(account, id="capped", max_concurrency=3)
    client = make_client(capped, limiters=LimiterRegistry())
    threads = [threading.Thread(target=client.get, args=("/abilities",)) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert peak == 3
    assert client.stats.count("GET", "/abilities") == 12


def test_a_held_slot_counts_from_its_answer_not_its_send(clock: Any) -> None:
    # PagerDuty counts a request when it arrives, somewhere before our answer; counting the
    # window from the answer keeps a slow request and a fast one out of one server window.
    window = SlidingWindow(2, 10.0, clock=clock, sleep=clock.sleep)
    start = clock()
    with window.hold():
        clock.advance(3)  # the request takes 3 s
    assert window.acquire() == 0
    assert window.acquire() == 10.0  # until 10 s after the answer, not after the send
    assert clock() - start == 13.0


def test_slots_in_flight_block_until_answered_and_a_window_more() -> None:
    window = SlidingWindow(1, 0.2)
    released_at: list[float] = []
    acquired_at: list[float] = []
    holding = threading.Event()

    def hold_briefly() -> None:
        with window.hold():
            holding.set()
            time.sleep(0.1)
            released_at.append(time.monotonic())

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    holding.wait(2)
    window.acquire()
    acquired_at.append(time.monotonic())
    holder.join(2)
    assert acquired_at[0] - released_at[0] >= 0.19
