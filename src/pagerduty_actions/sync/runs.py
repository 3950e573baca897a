"""Starting a sync run: one at a time across all server processes, recorded, with progress.

The action (synchronous), ``POST /v2/sync`` (in a background thread, 202) and the CLI all
start runs here, so the lock, the run record and the report are the same whichever way in.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ..catalog.backstage_api import CatalogApiError
from ..errors import ActionError, ConflictError, UpstreamError
from ..handlers.errors import ERROR_MAPPERS
from ..services import Services
from ..store.leases import LeaseStore
from ..store.sync_runs import SyncRunStore
from .engine import SyncEngine, SyncOptions, effective_strategy

LEASE_NAME = "dependency-sync"
LEASE_SECONDS = 300.0
PROGRESS_INTERVAL = 0.5  # seconds between stored progress updates within one phase
# ``services.extras[OBSERVERS]``: callables ``(run_id, phase, done, total, calls)`` called in
# the run's thread right after progress is stored, so they see what ``GET /v2/sync/runs/{id}``
# shows (tests use it to look at a run while it is running, without sleeping).
OBSERVERS = "sync.observers"
_LOG = logging.getLogger("pagerduty_actions.sync")
Listener = Callable[[str, int, int, int], None]
Observer = Callable[[str, str, int, int, int], None]


class SyncRun:
    """A started run: holds the lease until ``execute`` ends."""

    def __init__(self, services: Services, options: SyncOptions, started_by: str | None) -> None:
        assert services.db is not None, "sync runs need the database"
        self.services = services
        self.options = options
        self.leases = LeaseStore(services.db)
        self.runs = SyncRunStore(services.db)
        strategy = effective_strategy(services, options.strategy).value
        self.owner = self.leases.acquire(LEASE_NAME, LEASE_SECONDS)
        if self.owner is None:
            raise ConflictError(
                "a dependency sync is already running (only one at a time); "
                "see GET /v2/sync/runs for its progress and retry when it has finished",
                retryable=True,
            )
        try:
            self.id = self.runs.create(strategy, options.dry_run, started_by)
        except BaseException:
            self.leases.release(LEASE_NAME, self.owner)
            raise
        self._last_write = 0.0
        self._last_phase = ""

    def execute(self, listener: Listener | None = None) -> dict[str, Any]:
        """Run to the end; the report is stored and returned, errors stored and re-raised."""

        observers: list[Observer] = list(self.services.extras.get(OBSERVERS) or [])

        def progress(phase: str, done: int, total: int, calls: int) -> None:
            now = time.monotonic()
            if (
                phase != self._last_phase
                or done == total
                or now - self._last_write >= PROGRESS_INTERVAL
            ):
                self._last_write, self._last_phase = now, phase
                self.leases.renew(LEASE_NAME, self.owner or "", LEASE_SECONDS)
                self.runs.progress(self.id, phase=phase, done=done, total=total, calls=calls)
                for observer in observers:
                    observer(self.id, phase, done, total, calls)
            if listener is not None:
                listener(phase, done, total, calls)

        try:
            report = SyncEngine(self.services, progress).run(self.options)
        except Exception as exc:
            error = as_action_error(exc)
            if error is None:
                _LOG.exception("sync run %s failed", self.id)
                message = f"internal error: {type(exc).__name__}"
            else:
                message = error.message
            self.runs.finish(self.id, status="failed", report=None, error=message)
            if error is None or error is exc:
                raise
            raise error from None
        finally:
            self.leases.release(LEASE_NAME, self.owner or "")
        status = "failed" if report.get("counts", {}).get("failed") else "succeeded"
        report["runId"] = self.id
        self.runs.finish(self.id, status=status, report=report)
        return report

    def start_in_background(self) -> threading.Thread:
        def target() -> None:
            try:
                self.execute()
            except Exception:  # already recorded on the run
                _LOG.info("background sync run %s ended with an error", self.id)

        thread = threading.Thread(target=target, name=f"sync-{self.id}", daemon=True)
        thread.start()
        return thread


def as_action_error(exc: BaseException) -> ActionError | None:
    """What a caller sees for an exception of a run: adapters' errors (PagerDuty, git hosts,
    catalog files, the catalog API) as the registry maps them; None for a bug."""
    if isinstance(exc, ActionError):
        return exc
    if isinstance(exc, CatalogApiError):
        upstream = {"service": "backstage", "status": exc.status}
        return UpstreamError(
            f"{exc}; check backstage.baseUrl and backstage.token in the config",
            upstream=upstream,
            retryable=exc.status is None or exc.status >= 500 or exc.status == 429,
        )
    for mapper in ERROR_MAPPERS:
        mapped = mapper(exc)
        if mapped is not None:
            return mapped
    return None
