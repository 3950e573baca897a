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
    """At most ``limit`` acquisitions in any ``window`` seconds; ``acquire`` waits for room."""

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
        self._lock = threading.Lock()
        self._stamps: deque[float] = deque()

    def acquire(self) -> float:
        """Take one slot; return how long we waited for it (seconds)."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._stamps and self._stamps[0] <= now - self.window:
                    self._stamps.popleft()
                if len(self._stamps) < self.limit:
                    self._stamps.append(now)
                    return waited
                wait = self._stamps[0] + self.window - now
            self._sleep(wait)
            waited += wait


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
        """Hold one request slot (concurrency first, then budget) for the body of the block."""
        with self._in_flight:
            waited = self.budget.acquire()
            if waited:
                with self._stats_lock:
                    self.waited_seconds += waited
            yield


class LimiterRegistry:
    """One :class:`AccountLimiter` per account id, created on first use."""

    def __init__(
        self,
        *,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._window = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._limiters: dict[str, AccountLimiter] = {}

    def for_account(self, account: Account) -> AccountLimiter:
        """The shared limiter of ``account``; its first caller's limits define it."""
        with self._lock:
            limiter = self._limiters.get(account.id)
            if limiter is None:
                per_window = max(1, round(account.requests_per_minute * self._window / 60.0))
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
