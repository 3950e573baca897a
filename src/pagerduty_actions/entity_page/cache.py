"""A short memory of PagerDuty reads, so a card costs PagerDuty one call per page, not per viewer.

The entity-page cards re-read the same few PagerDuty paths every time anyone opens a
component's page. One answer is kept per key (account, path, sorted query) for a few seconds
(``entityPage.cacheSeconds``), and reads of a key that is being fetched right now wait for
that fetch instead of sending their own (single-flight): a hundred people opening one page at
once cost one call. A waiter waits at most ``wait_seconds`` and then gets
:class:`CacheWaitTimeout`, so one slow PagerDuty answer holds no worker thread for long. The
cache keeps at most ``max_entries`` answers and ``max_bytes`` of them (as ``size_of`` measures
an answer), dropping the least recently used; an answer larger than ``max_bytes`` alone is
served but not kept.

Failures are shared with the reads that waited for them but never kept: the next read after a
failure asks again. The cache knows nothing of HTTP or PagerDuty; ``reader`` feeds it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ReadKey:
    """What identifies one read: the account, the concrete path and the query, sorted (so
    ``a=1&b=2`` and ``b=2&a=1`` share an answer)."""

    account: str
    path: str
    query: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, account: str, path: str, query: Iterable[tuple[str, str]] = ()) -> ReadKey:
        return cls(account, path, tuple(sorted((str(k), str(v)) for k, v in query)))


class CacheWaitTimeout(Exception):
    """The same read, in flight for another request, did not finish within the wait."""

    def __init__(self, key: ReadKey, waited: float) -> None:
        self.key = key
        self.waited = waited
        # The key's query may hold an integration key: the message names the path only.
        super().__init__(f"the read of {key.path} in flight for another request did not finish")


@dataclass
class CacheStats:
    """Counters for the bench and the tests: ``loads`` went to PagerDuty, ``hits`` were
    answered from memory, ``joined`` waited for another request's load."""

    loads: int = 0
    hits: int = 0
    joined: int = 0
    timeouts: int = 0
    evicted: int = 0


@dataclass
class _Entry(Generic[T]):
    value: T
    expires: float
    size: int = 0


@dataclass
class _Flight(Generic[T]):
    done: threading.Event = field(default_factory=threading.Event)
    value: T | None = None
    error: BaseException | None = None


class ReadCache(Generic[T]):
    """Per-key TTL cache with single-flight loads and an entry cap; thread-safe."""

    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_entries: int,
        wait_seconds: float,
        max_bytes: int | None = None,
        size_of: Callable[[T], int] = lambda _: 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.ttl_seconds = max(0.0, ttl_seconds)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._size_of = size_of
        self._bytes = 0
        self.wait_seconds = wait_seconds
        self.stats = CacheStats()
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[ReadKey, _Entry[T]] = OrderedDict()
        self._flights: dict[ReadKey, _Flight[T]] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def kept_bytes(self) -> int:
        """What the kept answers measure, in ``size_of``'s units."""
        with self._lock:
            return self._bytes

    def get(self, key: ReadKey, load: Callable[[], T]) -> T:
        """The kept answer for ``key``, else the answer of the load in flight for it, else
        ``load()``'s (kept for ``ttl_seconds``). ``load``'s exception reaches this caller and
        every caller that waited for it."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                if entry.expires > self._clock():
                    self._entries.move_to_end(key)
                    self.stats.hits += 1
                    return entry.value
                self._drop(key)
            flight = self._flights.get(key)
            leading = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
                self.stats.loads += 1
            else:
                self.stats.joined += 1
        if leading:
            return self._load(key, flight, load)
        return self._wait(key, flight)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def forget(self, account: str, path: str) -> int:
        """Drop the kept answers of ``path`` (any query) on ``account``: a write made them
        stale. A load in flight is left to finish; returns how many were dropped."""
        with self._lock:
            stale = [k for k in self._entries if k.account == account and k.path == path]
            for key in stale:
                self._drop(key)
            return len(stale)

    def _load(self, key: ReadKey, flight: _Flight[T], load: Callable[[], T]) -> T:
        try:
            value = load()
        except BaseException as exc:
            flight.error = exc
            self._land(key, flight)
            raise
        flight.value = value
        size = self._size_of(value) if self.ttl_seconds > 0 else 0
        with self._lock:
            if self.ttl_seconds > 0:
                self._keep(key, value, size)
        self._land(key, flight)
        return value

    def _land(self, key: ReadKey, flight: _Flight[T]) -> None:
        """End the flight: later reads find the kept answer (or load again), waiters wake."""
        with self._lock:
            self._flights.pop(key, None)
        flight.done.set()

    def _keep(self, key: ReadKey, value: T, size: int) -> None:
        """Store under the lock, dropping the least recently used beyond either cap."""
        if key in self._entries:
            self._drop(key)
        if self.max_bytes is not None and size > self.max_bytes:
            return
        self._entries[key] = _Entry(value, self._clock() + self.ttl_seconds, size)
        self._bytes += size
        while len(self._entries) > self.max_entries or (
            self.max_bytes is not None and self._bytes > self.max_bytes
        ):
            oldest = next(iter(self._entries))
            self._drop(oldest)
            self.stats.evicted += 1

    def _drop(self, key: ReadKey) -> None:
        entry = self._entries.pop(key)
        self._bytes -= entry.size

    def _wait(self, key: ReadKey, flight: _Flight[T]) -> T:
        if not flight.done.wait(self.wait_seconds):
            with self._lock:
                self.stats.timeouts += 1
            raise CacheWaitTimeout(key, self.wait_seconds)
        if flight.error is not None:
            raise flight.error
        return flight.value  # type: ignore[return-value]
