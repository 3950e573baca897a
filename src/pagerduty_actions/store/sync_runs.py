"""Sync runs: created when a run starts, updated with progress while it works (so
``GET /v2/sync/runs/{id}`` shows done/total and the calls spent), and holding the report.

Before its first write a run stores its planned report, and after every write its ledger
(``ledger_json``, a compact snapshot of each change's state): what a run that dies mid-write
leaves behind, from which it is closed as ``abandoned``. Both are opaque JSON here; the sync
reads them.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from .database import Database
from .models import SyncRunRecord


class SyncRunStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, strategy: str, dry_run: bool, started_by: str | None) -> str:
        run_id = "run_" + uuid.uuid4().hex[:20]
        with self.db.session() as session:
            session.add(
                SyncRunRecord(
                    id=run_id, strategy=strategy, dry_run=dry_run, status="running",
                    phase="starting", done=0, total=0, calls=0, started_by=started_by,
                    started_at=datetime.now(UTC),
                )
            )  # fmt: skip
        return run_id

    def progress(self, run_id: str, *, phase: str, done: int, total: int, calls: int) -> None:
        self._update(run_id, phase=phase, done=done, total=total, calls=calls)

    def planned(self, run_id: str, report: dict[str, Any]) -> None:
        """The report as planned, stored before the run's first write."""
        self._update(run_id, report_json=json.dumps(report))

    def record(self, run_id: str, ledger: dict[str, Any]) -> None:
        """The run's ledger as it is now (stored after every change of state)."""
        self._update(run_id, ledger_json=json.dumps(ledger))

    def _update(self, run_id: str, **values: Any) -> None:
        with self.db.session() as session:
            session.execute(
                update(SyncRunRecord).where(SyncRunRecord.id == run_id).values(**values)
            )

    def ledger(self, run_id: str) -> dict[str, Any] | None:
        with self.db.session() as session:
            row = session.get(SyncRunRecord, run_id)
            return _ledger_of(row) if row is not None else None

    def unfinished(self) -> list[dict[str, Any]]:
        """Every run still marked ``running``, with its planned report and its ledger."""
        with self.db.session() as session:
            rows = session.scalars(select(SyncRunRecord).where(SyncRunRecord.status == "running"))
            return [{**_as_dict(row), "ledger": _ledger_of(row)} for row in rows]

    def finish(
        self, run_id: str, *, status: str, report: dict[str, Any] | None, error: str | None = None
    ) -> None:
        with self.db.session() as session:
            session.execute(
                update(SyncRunRecord)
                .where(SyncRunRecord.id == run_id)
                .values(
                    status=status,
                    phase="finished",
                    **_final_progress(report),
                    finished_at=datetime.now(UTC),
                    report_json=json.dumps(report) if report is not None else None,
                    ledger_json=None,
                    error=error,
                )
            )

    def last_succeeded_at(self) -> datetime | None:
        """When the newest run that wrote (not a dry run) succeeded."""
        with self.db.session() as session:
            value = session.scalar(
                select(func.max(SyncRunRecord.finished_at)).where(
                    SyncRunRecord.status == "succeeded", SyncRunRecord.dry_run.is_(False)
                )
            )
            return _aware(value) if value is not None else None

    def get(self, run_id: str) -> dict[str, Any] | None:
        with self.db.session() as session:
            row = session.get(SyncRunRecord, run_id)
            return _as_dict(row) if row is not None else None

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.db.session() as session:
            rows = session.scalars(
                select(SyncRunRecord).order_by(SyncRunRecord.started_at.desc()).limit(limit)
            )
            return [_as_dict(r, with_report=False) for r in rows]


def _final_progress(report: dict[str, Any] | None) -> dict[str, int]:
    """A finished run's progress counts its changes, not the last phase it was in (which
    could read "0/3" under a run that succeeded): ``done`` written or failed, ``total``
    planned (none in a dry run), ``calls`` the PagerDuty calls it spent."""
    counts = (report or {}).get("counts") or {}
    total = 0 if (report or {}).get("dryRun") else int(counts.get("changes") or 0)
    done = min(total, int(counts.get("applied") or 0) + int(counts.get("failed") or 0))
    final = {"done": done, "total": total}
    if isinstance(counts.get("calls"), int):
        final["calls"] = counts["calls"]
    return final


def _ledger_of(row: SyncRunRecord) -> dict[str, Any] | None:
    return json.loads(row.ledger_json) if row.ledger_json else None


def _aware(value: datetime) -> datetime:
    """SQLite hands stored times back without their offset; they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _iso(value: datetime) -> str:
    """ISO 8601 with its offset."""
    return _aware(value).isoformat()


def _as_dict(row: SyncRunRecord, with_report: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "strategy": row.strategy,
        "dryRun": row.dry_run,
        "status": row.status,
        "progress": {"phase": row.phase, "done": row.done, "total": row.total, "calls": row.calls},
        "startedBy": row.started_by,
        "startedAt": _iso(row.started_at),
        "finishedAt": _iso(row.finished_at) if row.finished_at else None,
        "error": row.error,
    }
    if with_report:
        out["report"] = json.loads(row.report_json) if row.report_json else None
    return out
