"""Keep a database lease alive while its holder works, and wait a bounded time for one.

A lease that is renewed by its live holder can be short: a crashed holder stops renewing, and
its work is taken over within seconds instead of after a fixed quarter of an hour. The renewal
runs on a timer of its own, so a slow PagerDuty call in the holder never lets it lapse.
"""

from __future__ import annotations

import logging
import math
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from .database import DatabaseUnavailable
from .leases import LeaseStore

_LOG = logging.getLogger("pagerduty_actions.store")


class LeaseBusy(Exception):
    """Someone else held the lease for longer than we were willing to wait."""


class _FirstBeats:
    """One daemon thread that starts each heartbeat's own thread when its first beat is due.

    Most holds (a service name while a create runs, an Idempotency-Key) end well within one
    interval, so they never need a renewal: they start no thread and wait for none to end,
    which cost a create more than its own work did. A hold that lasts starts its thread on
    time and is renewed by it as before; this thread only starts threads, never waits on the
    database, so one slow renewal never delays another lease's.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._due: dict[Heartbeat, float] = {}
        self._thread: threading.Thread | None = None
        self._pid = 0  # a forked child has the object but not the thread
        self._wakes_at = math.inf  # when the thread looks again by itself

    def add(self, heartbeat: Heartbeat, due: float) -> None:
        with self._changed:
            self._due[heartbeat] = due
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._wakes_at = math.inf
                self._thread = threading.Thread(
                    target=self._run, name="heartbeat first beats", daemon=True
                )
                self._thread.start()
            if due < self._wakes_at:
                # Woken only when it would look too late: holds of one interval are due in
                # order, so a run's hold seldom wakes it (a wake-up is a thread switch).
                self._wakes_at = due
                self._changed.notify()

    def remove(self, heartbeat: Heartbeat) -> None:
        with self._changed:
            self._due.pop(heartbeat, None)

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                for heartbeat in [h for h, due in self._due.items() if due <= now]:
                    del self._due[heartbeat]
                    heartbeat._start_beating()
                wait = min(self._due.values(), default=None)
                self._wakes_at = math.inf if wait is None else wait
                self._changed.wait(None if wait is None else max(0.0, wait - now))


class Heartbeat:
    """Calls ``renew`` every ``interval`` seconds on a daemon thread until stopped.

    ``renew`` returns False when the lease is no longer ours (taken over after it lapsed): the
    heartbeat then stops and ``lost`` is set, so the holder can stop writing. A database
    error is retried at the next beat; the lease only lapses if the errors outlast it. The
    thread starts when the first renewal is due (``_FirstBeats``): a hold shorter than one
    interval never starts one.
    """

    def __init__(self, renew: Callable[[], bool], interval: float, what: str) -> None:
        self._renew = renew
        self._interval = max(0.05, interval)
        self._what = what
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.lost = threading.Event()
        self._thread: threading.Thread | None = None  # made when the first renewal is due

    def __enter__(self) -> Heartbeat:
        _FIRST_BEATS.add(self, time.monotonic() + self._interval)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        _FIRST_BEATS.remove(self)
        with self._lock:  # after this, _start_beating starts nothing
            self._stop.set()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _start_beating(self) -> None:
        with self._lock:
            if not self._stop.is_set():
                self._thread = threading.Thread(
                    target=self._beat, name=f"heartbeat {self._what}", daemon=True
                )
                self._thread.start()

    def _beat(self) -> None:
        while not self._stop.is_set():  # started when the first renewal is due
            try:
                if not self._renew():
                    _LOG.warning("lost the lease on %s: another process took it over", self._what)
                    self.lost.set()
                    return
            except DatabaseUnavailable as exc:
                _LOG.warning("could not renew the lease on %s: %s", self._what, exc)
            if self._stop.wait(self._interval):
                return


_FIRST_BEATS = _FirstBeats()
# Waiters' jitter, seeded once (seeding one per hold read the OS's random source every run).
_JITTER = random.Random()  # noqa: S311 - jitter, not cryptography


@contextmanager
def hold_lease(
    leases: LeaseStore,
    name: str,
    *,
    seconds: float,
    wait_seconds: float,
    what: str,
    poll_seconds: float = 0.1,
) -> Iterator[Heartbeat]:
    """Hold lease ``name`` (renewed every third of ``seconds``) for the ``with`` block.

    Waits up to ``wait_seconds`` for the current holder to release it or to stop renewing it;
    raises :class:`LeaseBusy` after that. Polling is jittered so waiters do not move in step.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        owner = leases.acquire(name, seconds)
        if owner is not None:
            break
        if time.monotonic() >= deadline:
            raise LeaseBusy(f"{what} is busy with another request")
        time.sleep(poll_seconds * (0.5 + _JITTER.random()))
    heartbeat = Heartbeat(lambda: leases.renew(name, owner, seconds), seconds / 3, what)
    try:
        with heartbeat:
            yield heartbeat
    finally:
        try:
            leases.release(name, owner)
        except DatabaseUnavailable:
            _LOG.warning("could not release the lease on %s; it lapses by itself", what)
