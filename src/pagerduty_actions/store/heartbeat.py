"""Keep a database lease alive while its holder works, and wait a bounded time for one.

A lease that is renewed by its live holder can be short: a crashed holder stops renewing, and
its work is taken over within seconds instead of after a fixed quarter of an hour. The renewal
runs on a timer of its own, so a slow PagerDuty call in the holder never lets it lapse.
"""

from __future__ import annotations

import logging
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


class Heartbeat:
    """Calls ``renew`` every ``interval`` seconds on a daemon thread until stopped.

    ``renew`` returns False when the lease is no longer ours (taken over after it lapsed): the
    heartbeat then stops and ``lost`` is set, so the holder can stop writing. A database
    error is retried at the next beat; the lease only lapses if the errors outlast it.
    """

    def __init__(self, renew: Callable[[], bool], interval: float, what: str) -> None:
        self._renew = renew
        self._interval = max(0.05, interval)
        self._what = what
        self._stop = threading.Event()
        self.lost = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat {what}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                if not self._renew():
                    _LOG.warning("lost the lease on %s: another process took it over", self._what)
                    self.lost.set()
                    return
            except DatabaseUnavailable as exc:
                _LOG.warning("could not renew the lease on %s: %s", self._what, exc)


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
    rng = random.Random()  # noqa: S311 - jitter, not cryptography
    while True:
        owner = leases.acquire(name, seconds)
        if owner is not None:
            break
        if time.monotonic() >= deadline:
            raise LeaseBusy(f"{what} is busy with another request")
        time.sleep(poll_seconds * (0.5 + rng.random()))
    heartbeat = Heartbeat(lambda: leases.renew(name, owner, seconds), seconds / 3, what)
    try:
        with heartbeat:
            yield heartbeat
    finally:
        try:
            leases.release(name, owner)
        except DatabaseUnavailable:
            _LOG.warning("could not release the lease on %s; it lapses by itself", what)
