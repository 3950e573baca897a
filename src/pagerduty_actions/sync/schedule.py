"""Scheduled syncs (``sync.schedule.every``): a daemon thread in each server process.

Every process may run the schedule; the database lease lets only one run start, the others
find it held and skip that tick, so several replicas never sync twice.
"""

from __future__ import annotations

import logging
import re
import threading

from ..errors import ActionError, StartupError
from ..services import Services
from . import service
from .engine import effective_strategy
from .model import Strategy

_LOG = logging.getLogger("pagerduty_actions.sync.schedule")
_UNITS = {"s": 1, "m": 60, "h": 3600}


def parse_every(text: str) -> float:
    """``30m`` -> 1800.0 (the config schema allows ``<n>s``, ``<n>m``, ``<n>h``)."""
    match = re.fullmatch(r"(\d+)([smh])", text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(
            f"sync.schedule.every must be a positive number of seconds, minutes or hours "
            f"(90s, 30m, 1h), not {text!r}"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def start_schedule(services: Services) -> SyncScheduler | None:
    """Start the scheduler when the config has ``sync.schedule.every`` (else None). ``serve``
    calls it once the app is built and stops the scheduler when the server stops."""
    every = (services.config.section("sync").get("schedule") or {}).get("every")
    if not every:
        return None
    try:
        seconds = parse_every(str(every))
    except ValueError as exc:
        raise StartupError(str(exc)) from None
    scheduler = SyncScheduler(services, seconds).start()
    _LOG.info("scheduled dependency sync every %s", every)
    return scheduler


class SyncScheduler:
    """Every ``every_seconds``: start a run unless one is going anywhere (then skip the tick).
    ``stop`` ends the loop; a run in progress finishes on its own (the thread is a daemon)."""

    def __init__(self, services: Services, every_seconds: float) -> None:
        self.services = services
        self.every = every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sync-scheduler", daemon=True)

    def start(self) -> SyncScheduler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def tick(self) -> str | None:
        """Start one run now if none is going; returns its id, or None when skipped.

        A disabled strategy (the stored setting can switch it off at any time) skips the tick
        without recording a run, so a switched-off sync does not add a row every interval.
        """
        try:
            if effective_strategy(self.services, None) is Strategy.DISABLED:
                _LOG.debug("scheduled sync skipped: the strategy is disabled")
                return None
            run = service.start(self.services, {}, started_by="schedule")
        except ActionError as exc:
            _LOG.info("scheduled sync skipped: %s", exc.message)
            return None
        except Exception as exc:  # e.g. the database briefly unreachable: try next tick
            _LOG.warning("scheduled sync could not start: %s", exc)
            return None
        try:
            run.execute()  # its end is logged and stored by the run itself
        except Exception as exc:
            _LOG.warning("scheduled sync %s failed: %s", run.id, exc)
        return run.id

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.tick()
