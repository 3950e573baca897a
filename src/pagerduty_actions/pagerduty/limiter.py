"""Client-side rate limiting per PagerDuty account, shared by every thread of the process.

PagerDuty counts requests per account key per minute (about 900-960) and advises serial calls;
a 429 costs a wait we could have spread out. Every client for one account takes a slot from the
same :class:`AccountLimiter`: a sliding-window budget of requests per window plus a cap on
requests in flight. The clock and sleep are injectable so tests run on fake time.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .accounts import Account


class SlidingWindow:
    """At most ``limit`` requests in any ``window`` seconds, as the server counts them.

    A slot held with :meth:`hold` stays taken while the request is in flight and for one window
    after its response arrived. PagerDuty counts a request when it arrives, which is somewhere
    between our send and our receipt of the answer; stamping at the answer means no ``limit + 1``
    requests can ever arrive within one window, whatever the network latency (a stamp taken at
    send lets a slow first request and a fast later one land in the same server window).
    :meth:`acquire` takes a slot and releases it at once, for callers that only need pacing.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._released = threading.Condition(threading.Lock())
        self._stamps: deque[float] = deque()  # release times, oldest first
        self._in_flight = 0

    def acquire(self) -> float:
        """Take one slot and release it now; return how long we waited for it (seconds)."""
        waited = self._take()
        self._release()
        return waited

    @contextmanager
    def hold(self) -> Iterator[float]:
        """Hold one slot for the block (yields the seconds waited); it counts until one
        window after the block ends."""
        waited = self._take()
        try:
            yield waited
        finally:
            self._release()

    def _take(self) -> float:
        waited = 0.0
        while True:
            with self._released:
                now = self._clock()
                while self._stamps and self._stamps[0] <= now - self.window:
                    self._stamps.popleft()
                if len(self._stamps) + self._in_flight < self.limit:
                    self._in_flight += 1
                    return waited
                if not self._stamps:
                    # Every slot is in flight: wait for an answer, then for its window.
                    self._released.wait(timeout=self.window)
                    waited += max(0.0, self._clock() - now)
                    continue
                wait = self._stamps[0] + self.window - now
            self._sleep(wait)
            waited += wait

    def _release(self) -> None:
        with self._released:
            self._in_flight -= 1
            self._stamps.append(self._clock())
            self._released.notify()


class AccountLimiter:
    """Budget, concurrency cap and write lock for one account."""

    def __init__(
        self,
        requests_per_window: int,
        max_concurrency: int,
        *,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.budget = SlidingWindow(requests_per_window, window_seconds, clock=clock, sleep=sleep)
        self.max_concurrency = max_concurrency
        self._in_flight = threading.BoundedSemaphore(max_concurrency)
        # Held around service-dependency writes: PagerDuty answers concurrent ones with 500.
        self.write_lock = threading.Lock()
        self.waited_seconds = 0.0
        self._stats_lock = threading.Lock()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one request slot (concurrency first, then budget) for the body of the block;
        the budget slot counts until one window after the block ends."""
        with self._in_flight, self.budget.hold() as waited:
            if waited:
                with self._stats_lock:
                    self.waited_seconds += waited
            yield


class LimiterRegistry:
    """One :class:`AccountLimiter` per account id, created on first use.

    The budget per window follows each account's ``requests_per_minute`` scaled to
    ``window_seconds``, unless ``requests_per_window`` fixes it for every account (tests that
    shorten a sandbox's window use that to match it exactly).
    """

    def __init__(
        self,
        *,
        window_seconds: float = 60.0,
        requests_per_window: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_window is not None and requests_per_window < 1:
            raise ValueError("requests_per_window must be at least 1")
        self._window = window_seconds
        self._per_window = requests_per_window
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._limiters: dict[str, AccountLimiter] = {}

    def for_account(self, account: Account) -> AccountLimiter:
        """The shared limiter of ``account``; its first caller's limits define it."""
        with self._lock:
            limiter = self._limiters.get(account.id)
            if limiter is None:
                per_window = self._per_window or max(
                    1, round(account.requests_per_minute * self._window / 60.0)
                )
                limiter = AccountLimiter(
                    per_window,
                    account.max_concurrency,
                    window_seconds=self._window,
                    clock=self._clock,
                    sleep=self._sleep,
                )
                self._limiters[account.id] = limiter
            return limiter


# The process-wide registry every client uses unless given another one.
SHARED_LIMITERS = LimiterRegistry()
