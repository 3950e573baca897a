"""Data that does not pile up: deletes what the retention settings no longer keep.

* idempotency records: finished ones ``idempotency.retentionHours`` (default 168) after they
  finished (their key already behaves as a new key by then), and records of interrupted runs
  nobody retried in that time (logged, since what they made may be left in PagerDuty);
* the audit trail (``action_runs``): ``retention.auditDays`` (default 90) after the run;
* dependency sync runs: ``retention.syncRunsDays`` (default 90) after they started, except one
  still marked running (the next sync closes it as abandoned, from its ledger).

``serve`` runs :class:`RetentionPruner` on a daemon thread of its own
(``bootstrap.start_retention``): a pass at start-up, then every hour. Deletes go in batches,
each its own short transaction, so a first pass over a large backlog never holds a long lock;
several processes pruning at once only repeat deletes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, select, tuple_

from ..config import Config
from .database import Database, DatabaseUnavailable
from .idempotency import forgettable
from .models import ActionRun, IdempotencyRecord, SyncRunRecord

_LOG = logging.getLogger("pagerduty_actions.store.retention")
PRUNE_EVERY_SECONDS = 3600.0
BATCH = 500


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each table keeps a row (``idempotency.retentionHours``, ``retention.*``)."""

    idempotency: timedelta
    audit: timedelta
    sync_runs: timedelta

    @classmethod
    def from_config(cls, config: Config) -> RetentionPolicy:
        idempotency = config.section("idempotency")
        retention = config.section("retention")
        return cls(
            idempotency=timedelta(hours=float(idempotency["retentionHours"])),
            audit=timedelta(days=float(retention["auditDays"])),
            sync_runs=timedelta(days=float(retention["syncRunsDays"])),
        )


def prune(db: Database, policy: RetentionPolicy, now: datetime) -> dict[str, int]:
    """Delete what ``policy`` no longer keeps at ``now``; returns rows deleted per table."""
    idempotency_cutoff = now - policy.idempotency
    _log_abandoned(db, idempotency_cutoff, now)
    return {
        "idempotency_records": _delete_batches(
            db,
            (IdempotencyRecord.scope, IdempotencyRecord.key),
            forgettable(idempotency_cutoff, now),
        ),
        "action_runs": _delete_batches(
            db, (ActionRun.id,), ActionRun.started_at < now - policy.audit
        ),
        "sync_runs": _delete_batches(
            db,
            (SyncRunRecord.id,),
            and_(
                SyncRunRecord.started_at < now - policy.sync_runs, SyncRunRecord.status != "running"
            ),
        ),
    }


def _delete_batches(db: Database, key: tuple[Any, ...], where: ColumnElement[bool]) -> int:
    table = key[0].class_
    deleted = 0
    while True:
        with db.session() as session:
            rows = session.execute(select(*key).where(where).limit(BATCH)).all()
            if rows:
                if len(key) == 1:
                    match = key[0].in_([row[0] for row in rows])
                else:
                    match = tuple_(*key).in_([tuple(row) for row in rows])
                session.execute(delete(table).where(match, where))
        deleted += len(rows)
        if len(rows) < BATCH:
            return deleted


def _log_abandoned(db: Database, cutoff: datetime, now: datetime) -> None:
    """Say which interrupted runs are being forgotten: the work they recorded was neither
    finished nor undone by a retry, so it may still be in PagerDuty."""
    with db.session() as session:
        rows = session.execute(
            select(IdempotencyRecord.action_id, IdempotencyRecord.scope, IdempotencyRecord.key)
            .where(
                forgettable(cutoff, now),
                IdempotencyRecord.state == "running",
                IdempotencyRecord.progress_json.is_not(None),
            )
            .limit(BATCH)
        ).all()
    for action_id, scope, key in rows:
        _LOG.warning(
            "forgetting the record of an interrupted %s run (caller %r, Idempotency-Key %r) "
            "that nobody retried in time: what it made may still be in PagerDuty",
            action_id,
            scope,
            key,
        )


class RetentionPruner:
    """Prunes once when started, then every ``every_seconds`` until stopped.

    ``close`` stops it, so ``Services.close`` ends it with the rest (it sits in ``extras``).
    A database error is logged and the next pass tries again.
    """

    def __init__(
        self,
        db: Database,
        policy: RetentionPolicy,
        *,
        every_seconds: float = PRUNE_EVERY_SECONDS,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.policy = policy
        self.every = every_seconds
        self.now = now
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="retention-pruner", daemon=True)

    def start(self) -> RetentionPruner:
        self._thread.start()
        return self

    def tick(self) -> dict[str, int]:
        counts = prune(self.db, self.policy, self.now())
        if any(counts.values()):
            _LOG.info(
                "retention: deleted %s",
                ", ".join(f"{n} {table}" for table, n in counts.items() if n),
            )
        return counts

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while True:
            try:
                self.tick()
            except DatabaseUnavailable as exc:
                _LOG.warning("retention: could not prune old rows (the next pass retries): %s", exc)
            except Exception:
                _LOG.exception("retention: pruning failed (the next pass retries)")
            if self._stop.wait(self.every):
                return
