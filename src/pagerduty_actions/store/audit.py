"""The audit trail: one row per action run, with caller and initiator."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from .database import Database
from .models import ActionRun

# One statement object for every run: SQLAlchemy keys its compiled form on the object, so the
# same one is compiled once (a Core insert, not a session: every real run writes this row).
_INSERT_RUN = insert(ActionRun)


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self,
        *,
        action_id: str,
        caller: str,
        initiator: str | None,
        dry_run: bool,
        outcome: str,
        error_name: str | None,
        idempotency_key: str | None,
        started_at: datetime,
        duration_ms: int,
    ) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                _INSERT_RUN,
                {
                    "action_id": action_id,
                    "caller": caller,
                    "initiator": initiator,
                    "dry_run": dry_run,
                    "outcome": outcome,
                    "error_name": error_name,
                    "idempotency_key": idempotency_key,
                    "started_at": started_at,
                    "duration_ms": duration_ms,
                },
            )

    def recent(self, limit: int = 100) -> list[dict[str, Any]]:
        with self.db.session() as session:
            rows = session.scalars(select(ActionRun).order_by(ActionRun.id.desc()).limit(limit))
            return [
                {
                    "actionId": r.action_id,
                    "caller": r.caller,
                    "initiator": r.initiator,
                    "dryRun": r.dry_run,
                    "outcome": r.outcome,
                    "errorName": r.error_name,
                    "idempotencyKey": r.idempotency_key,
                    "durationMs": r.duration_ms,
                }
                for r in rows
            ]
