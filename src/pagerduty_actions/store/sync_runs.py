"""Sync runs: created when a run starts, updated with progress while it works (so
``GET /v2/sync/runs/{id}`` shows done/total and the calls spent), and holding the report."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from .database import Database
from .models import SyncRun


class SyncRunStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, strategy: str, dry_run: bool, started_by: str | None) -> str:
        run_id = "run_" + uuid.uuid4().hex[:20]
        with self.db.session() as session:
            session.add(
                SyncRun(
                    id=run_id, strategy=strategy, dry_run=dry_run, status="running",
                    phase="starting", done=0, total=0, calls=0, started_by=started_by,
                    started_at=datetime.now(UTC),
                )
            )  # fmt: skip
        return run_id

    def progress(self, run_id: str, *, phase: str, done: int, total: int, calls: int) -> None:
        with self.db.session() as session:
            session.execute(
                update(SyncRun)
                .where(SyncRun.id == run_id)
                .values(phase=phase, done=done, total=total, calls=calls)
            )

    def finish(
        self, run_id: str, *, status: str, report: dict[str, Any] | None, error: str | None = None
    ) -> None:
        with self.db.session() as session:
            session.execute(
                update(SyncRun)
                .where(SyncRun.id == run_id)
                .values(
                    status=status,
                    phase="finished",
                    finished_at=datetime.now(UTC),
                    report_json=json.dumps(report) if report is not None else None,
                    error=error,
                )
            )

    def get(self, run_id: str) -> dict[str, Any] | None:
        with self.db.session() as session:
            row = session.get(SyncRun, run_id)
            return _as_dict(row) if row is not None else None

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.db.session() as session:
            rows = session.scalars(select(SyncRun).order_by(SyncRun.started_at.desc()).limit(limit))
            return [_as_dict(r, with_report=False) for r in rows]


def _iso(value: datetime) -> str:
    """ISO 8601 with its offset: SQLite hands stored times back without one."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _as_dict(row: SyncRun, with_report: bool = True) -> dict[str, Any]:
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
