"""A sync run: one at a time across all server processes, recorded as it writes, always
ending with its report.

``sync/service.py`` starts runs here for every way in (the action, ``POST /v2/sync``, the
schedule, the CLI), so the lock, the record and the report are the same whichever way in.

- **One at a time**: a run holds the ``dependency-sync`` lease in the database. A
  ``Heartbeat`` (``store/heartbeat.py``) renews it every quarter of ``sync.leaseSeconds``, so
  a long git push never outlives it, and before every write the run renews it once more: when
  that fails (another process holds it, the database is gone) the run writes nothing more
  and its report says why.
- **Recorded as it writes**: the planned report is stored before the first write and the
  ledger after every write (``ledger``), so a run whose process dies leaves a record.
- **Closed when its process is gone**: whoever takes the lease next (a new run, on any
  replica, once the dead holder's lease expired; or at once on the same machine, where a
  holder's process can be checked) closes every run still marked ``running`` as
  ``abandoned``, its report rebuilt from that record. ``serve`` does so at start.
- **Told to stop** (SIGTERM, Ctrl-C): :meth:`ActiveRuns.stop` makes the runs of this process
  stop before their next write; each ends ``failed`` or ``partial`` with its report.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ..errors import ConflictError, ServiceUnavailableError
from ..services import Services
from ..store.heartbeat import Heartbeat
from ..store.leases import LeaseStore, holder_gone
from ..store.sync_runs import SyncRunStore
from .engine import SyncEngine, SyncOptions, effective_strategy
from .errors import as_action_error, describe
from .report import ABANDONED, ABANDONED_REASON, empty_report, status_of, with_outcome

LEASE_NAME = "dependency-sync"
HEARTBEATS_PER_LEASE = 4  # the lease is renewed every leaseSeconds / 4
# How long ``serve`` waits, once told to stop, for a sync to finish its write in flight and
# store its report (Kubernetes' default grace period is 30 s); past it the run is closed as
# abandoned by the next process.
STOP_GRACE_SECONDS = 25.0
PROGRESS_INTERVAL = 0.5  # seconds between stored progress updates within one phase
# ``services.extras[OBSERVERS]``: callables ``(run_id, phase, done, total, calls)`` called in
# the run's thread right after progress is stored, so they see what ``GET /v2/sync/runs/{id}``
# shows (tests use it to look at a run while it is running, without sleeping).
OBSERVERS = "sync.observers"
# ``services.extras[FINISHED]``: callables ``(report)`` called once a run's end is stored
# (``report["runId"]``, ``["status"]``...): the server's metrics count runs and changes.
FINISHED = "sync.finished"
ACTIVE = "sync.active"
LEASE_LOST = (
    "the sync lease was lost (it could not be renewed: another process took it or the "
    "database did not answer), so this run stopped writing, as two runs must never write at "
    "once; run again to complete the rest"
)
_LOG = logging.getLogger("pagerduty_actions.sync")
Listener = Callable[[str, int, int, int], None]
Observer = Callable[[str, str, int, int, int], None]


def lease_seconds(services: Services) -> float:
    return float(services.config.section("sync")["leaseSeconds"])


class ActiveRuns:
    """The runs of one process (one ``Services``), so a stopping server can stop them."""

    def __init__(self) -> None:
        self._runs: set[SyncRun] = set()
        self._changed = threading.Condition()
        self.stopping: str | None = None

    def add(self, run: SyncRun) -> None:
        with self._changed:
            if self.stopping is not None:
                raise ServiceUnavailableError(
                    f"no new dependency sync: {self.stopping}", retryable=True
                )
            self._runs.add(run)

    def remove(self, run: SyncRun) -> None:
        with self._changed:
            self._runs.discard(run)
            self._changed.notify_all()

    def stop(self, reason: str, *, wait: float = 0.0) -> bool:
        """Tell every run to write nothing more (each ends with its report) and refuse new
        ones; wait up to ``wait`` seconds for them to end. True when none is left."""
        with self._changed:
            self.stopping = reason
            for run in self._runs:
                run.stop(reason)
            return self._changed.wait_for(lambda: not self._runs, timeout=wait)


def active_runs(services: Services) -> ActiveRuns:
    runs = services.extras.get(ACTIVE)
    if not isinstance(runs, ActiveRuns):
        runs = services.extras.setdefault(ACTIVE, ActiveRuns())
    return runs


class SyncRun:
    """A started run: holds the lease from construction until ``execute`` ends."""

    def __init__(self, services: Services, options: SyncOptions, started_by: str | None) -> None:
        self.services = services
        self.options = options
        self.leases = LeaseStore(services.db)
        self.runs = SyncRunStore(services.db)
        self.lease_seconds = lease_seconds(services)
        self.strategy = effective_strategy(services, options.strategy).value
        self.active = active_runs(services)
        if self.active.stopping is not None:
            raise ServiceUnavailableError(
                f"no new dependency sync: {self.active.stopping}", retryable=True
            )
        self.owner = self.leases.acquire(LEASE_NAME, self.lease_seconds, reclaim=holder_gone)
        if self.owner is None:
            raise ConflictError(
                "a dependency sync is already running (only one at a time); "
                "see GET /v2/sync/runs for its progress and retry when it has finished",
                retryable=True,
            )
        try:
            abandon_unfinished(services)  # holding the lease: no run marked running is alive
            self.id = self.runs.create(self.strategy, options.dry_run, started_by)
            self.active.add(self)
        except BaseException:
            self.leases.release(LEASE_NAME, self.owner)
            raise
        self._heartbeat = Heartbeat(
            self._renew, self.lease_seconds / HEARTBEATS_PER_LEASE, f"dependency sync {self.id}"
        )
        self._stop_reason: str | None = None
        self._record_error: str | None = None
        self._planned: dict[str, Any] | None = None
        self._snapshot: dict[str, Any] | None = None
        self._last_write = 0.0
        self._last_phase = ""

    # -- steering ---------------------------------------------------------------------------

    def stop(self, reason: str) -> None:
        """Write nothing more (checked before each write); the report says ``reason``."""
        if self._stop_reason is None:
            self._stop_reason = reason

    def may_write(self) -> str | None:
        """None when the run may send its next write, else why not. Renews the lease: a run
        that cannot confirm it still holds the lease must not write."""
        if self._heartbeat.lost.is_set():
            self.stop(LEASE_LOST)
        if self._stop_reason is not None:
            return self._stop_reason
        if self._record_error is not None:
            return self._record_error
        try:
            held = self._renew()
        except Exception as exc:
            _LOG.warning("sync run %s: the lease could not be renewed: %s", self.id, exc)
            held = False
        if not held:
            self.stop(LEASE_LOST)
        return self._stop_reason

    def _renew(self) -> bool:
        return self.leases.renew(LEASE_NAME, self.owner or "", self.lease_seconds)

    # -- running ----------------------------------------------------------------------------

    def execute(self, listener: Listener | None = None) -> dict[str, Any]:
        """Run to the end; the report is stored and returned. An error before anything was
        planned is stored and raised; after that the report says what happened."""
        started = time.monotonic()
        try:
            with self._heartbeat:
                return self._run(listener, started)
        finally:
            try:
                self.leases.release(LEASE_NAME, self.owner or "")
            except Exception as exc:  # it expires on its own
                _LOG.warning("sync run %s: the lease could not be released: %s", self.id, exc)
            self.active.remove(self)  # last: a stopping server waits for this

    def _run(self, listener: Listener | None, started: float) -> dict[str, Any]:
        engine = SyncEngine(
            self.services,
            self._progress_to(listener),
            guard=self.may_write,
            on_planned=self._store_planned,
            on_record=self._store_ledger,
        )
        try:
            report = engine.run(self.options)
        except BaseException as exc:
            self._finish(self._report_after(exc), started)
            mapped = as_action_error(exc)
            if self._planned is None and isinstance(exc, Exception) and mapped is not None:
                raise mapped from None
            raise
        report["runId"] = self.id
        self._finish(report, started)
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

    def _progress_to(self, listener: Listener | None) -> Listener:
        observers: list[Observer] = list(self.services.extras.get(OBSERVERS) or [])

        def progress(phase: str, done: int, total: int, calls: int) -> None:
            now = time.monotonic()
            if (
                phase != self._last_phase
                or done == total
                or now - self._last_write >= PROGRESS_INTERVAL
            ):
                self._last_write, self._last_phase = now, phase
                self.runs.progress(self.id, phase=phase, done=done, total=total, calls=calls)
                for observer in observers:
                    observer(self.id, phase, done, total, calls)
            if listener is not None:
                listener(phase, done, total, calls)

        return progress

    def _store_planned(self, report: dict[str, Any]) -> None:
        self.runs.planned(self.id, report)  # no write is sent unless this is stored
        self._planned = report

    def _store_ledger(self, snapshot: dict[str, Any]) -> None:
        self._snapshot = snapshot
        try:
            self.runs.record(self.id, snapshot)
        except Exception as exc:
            _LOG.warning("sync run %s: its record could not be stored: %s", self.id, exc)
            self._record_error = (
                f"the run's record could not be stored ({describe(exc)}), so it stopped "
                "writing: what it writes must stay accounted for"
            )

    def _report_after(self, exc: BaseException) -> dict[str, Any]:
        reason = describe(exc)
        if self._planned is None:
            report = empty_report(self.strategy, self.options.dry_run, reason)
        else:
            report = with_outcome(self._planned, self._snapshot, ended=reason)
        report["runId"] = self.id
        return report

    def _finish(self, report: dict[str, Any], started: float) -> None:
        report["status"] = report.get("status") or status_of(report)
        try:
            self.runs.finish(
                self.id, status=report["status"], report=report, error=report.get("error")
            )
        except Exception as exc:  # the row stays running: closed as abandoned later
            _LOG.error("sync run %s: its end could not be stored: %s", self.id, exc)
        ended(self.services, report, time.monotonic() - started)


def ended(services: Services, report: dict[str, Any], seconds: float | None) -> None:
    """One log line per run end (id, strategy, status, applied, failed, duration), then the
    ``FINISHED`` listeners (the server's metrics)."""
    counts = report.get("counts") or {}
    status = str(report.get("status"))
    _LOG.log(
        logging.INFO if status == "succeeded" else logging.WARNING,
        "sync run %s ended: strategy=%s dryRun=%s status=%s applied=%d failed=%d "
        "notAttempted=%d duration=%s%s",
        report.get("runId"),
        report.get("strategy"),
        str(bool(report.get("dryRun"))).lower(),
        status,
        counts.get("applied", 0),
        counts.get("failed", 0),
        counts.get("notAttempted", 0),
        f"{seconds:.1f}s" if seconds is not None else "-",
        f" error={report['error']}" if report.get("error") else "",
    )
    for listener in list(services.extras.get(FINISHED) or []):
        try:
            listener(report)
        except Exception:
            _LOG.warning("a sync run listener failed", exc_info=True)


def abandon_unfinished(services: Services) -> list[str]:
    """Close every run still marked ``running`` as ``abandoned``, its report rebuilt from
    what it recorded. Only the lease holder may call this (no live run is then marked
    running, save one that lost its lease: it stops writing and stores its own end later)."""
    store = SyncRunStore(services.db)
    closed = []
    for row in store.unfinished():
        planned = row.get("report")
        if planned is None:
            report = empty_report(row["strategy"], row["dryRun"], ABANDONED_REASON)
        else:
            report = with_outcome(planned, row.get("ledger"), ended=ABANDONED_REASON)
        report["error"] = f"{ABANDONED_REASON}; run again to complete what it left"
        report["status"] = ABANDONED
        report["runId"] = row["id"]
        store.finish(row["id"], status=ABANDONED, report=report, error=report["error"])
        ended(services, report, None)
        closed.append(row["id"])
    return closed


def close_abandoned(services: Services, *, restarted: bool = False) -> list[str]:
    """Close runs a dead process left ``running`` (see :func:`abandon_unfinished`) and free
    its lease, when the lease can be had: it is free, expired, or held by a process of this
    machine that is gone. ``restarted``: called by a process that has just started (``serve``),
    so a holder with its own pid is an earlier incarnation. Returns the closed run ids."""
    leases = LeaseStore(services.db)
    owner = leases.acquire(
        LEASE_NAME,
        lease_seconds(services),
        reclaim=lambda holder: holder_gone(holder, restarted=restarted),
    )
    if owner is None:  # a live run holds it (or a dead one elsewhere, until it expires)
        return []
    try:
        return abandon_unfinished(services)
    finally:
        leases.release(LEASE_NAME, owner)


def live_report(run: dict[str, Any], ledger: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored run's report as ``GET /v2/sync/runs/{id}`` shows it: while the run writes,
    the planned report with what its ledger says so far."""
    report = run.get("report")
    if run.get("status") != "running" or report is None:
        return report
    live = with_outcome(report, ledger)
    live["status"] = "running"
    live["runId"] = run["id"]
    return live
