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

from ..errors import ActionError, ConflictError
from ..services import Services
from ..store.leases import LeaseStore
from ..store.sync_runs import SyncRunStore
from .engine import SyncEngine, SyncOptions, effective_strategy

LEASE_NAME = "dependency-sync"
LEASE_SECONDS = 300.0
_LOG = logging.getLogger("pagerduty_actions.sync")
Listener = Callable[[str, int, int, int], None]


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
        self.id = self.runs.create(strategy, options.dry_run, started_by)
        self._last_write = 0.0

    def execute(self, listener: Listener | None = None) -> dict[str, Any]:
        """Run to the end; the report is stored and returned, errors stored and re-raised."""

        def progress(phase: str, done: int, total: int, calls: int) -> None:
            if listener is not None:
                listener(phase, done, total, calls)
            now = time.monotonic()
            if now - self._last_write >= 0.5 or done == total:
                self._last_write = now
                self.leases.renew(LEASE_NAME, self.owner or "", LEASE_SECONDS)
                self.runs.progress(self.id, phase=phase, done=done, total=total, calls=calls)

        try:
            report = SyncEngine(self.services, progress).run(self.options)
        except ActionError as exc:
            self.runs.finish(self.id, status="failed", report=None, error=exc.message)
            raise
        except Exception as exc:
            _LOG.exception("sync run %s failed", self.id)
            self.runs.finish(
                self.id, status="failed", report=None, error=f"internal error: {type(exc).__name__}"
            )
            raise
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
