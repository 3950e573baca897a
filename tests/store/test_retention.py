"""Retention, on SQLite and PostgreSQL: the pruner deletes what is old and keeps what is new
(a fixed clock decides which is which), and ``serve`` runs it on its own."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select

from pagerduty_actions.config import validate_config
from pagerduty_actions.store import Database
from pagerduty_actions.store import retention as retention_module
from pagerduty_actions.store.models import ActionRun, Base, IdempotencyRecord, SyncRunRecord
from pagerduty_actions.store.retention import RetentionPolicy, RetentionPruner, prune

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def add_key(
    db: Database,
    key: str,
    *,
    state: str,
    age: timedelta,
    lease: timedelta,
    progress: bool = False,
    now: datetime = NOW,
) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            insert(IdempotencyRecord).values(
                scope="backstage", key=key, request_hash="h", action_id="pagerduty:service:create",
                state=state, owner=key, lease_expires_at=now + lease,
                response_json="gAAAAA-sealed" if state == "done" else None,
                progress_json="gAAAAA-sealed" if progress else None,
                created_at=now - age, updated_at=now - age,
            )
        )  # fmt: skip


def add_audit(db: Database, action: str, age: timedelta, now: datetime = NOW) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            insert(ActionRun).values(
                action_id=action, caller="backstage", initiator=None, dry_run=False,
                outcome="success", error_name=None, idempotency_key=None,
                started_at=now - age, duration_ms=5,
            )
        )  # fmt: skip


def add_sync_run(
    db: Database, run_id: str, age: timedelta, now: datetime = NOW, status: str = "succeeded"
) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            insert(SyncRunRecord).values(
                id=run_id, strategy="backstage", dry_run=False, status=status,
                phase="finished", done=1, total=1, calls=3, started_by="schedule",
                started_at=now - age, finished_at=now - age + timedelta(minutes=1),
                report_json="{}", error=None,
            )
        )  # fmt: skip


def remaining(db: Database) -> tuple[set[str], set[str], set[str]]:
    with db.session() as session:
        return (
            set(session.scalars(select(IdempotencyRecord.key))),
            set(session.scalars(select(ActionRun.action_id))),
            set(session.scalars(select(SyncRunRecord.id))),
        )


def test_prune_deletes_what_is_old_and_keeps_what_is_new(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(retention_module, "BATCH", 2)  # several batches from a few rows
    db = Database(database_url)
    db.migrate()
    day, hour = timedelta(days=1), timedelta(hours=1)
    for i in range(3):
        add_key(db, f"done-8d-{i}", state="done", age=8 * day, lease=-8 * day)
    add_key(db, "done-6d", state="done", age=6 * day, lease=-6 * day)
    add_key(db, "live-10d", state="running", age=10 * day, lease=20 * timedelta(seconds=1))
    add_key(db, "left-8d", state="running", age=8 * day, lease=-8 * day, progress=True)
    add_key(db, "left-1h", state="running", age=hour, lease=-hour, progress=True)
    for i in range(5):
        add_audit(db, f"old-{i}", 91 * day)
    add_audit(db, "recent", 89 * day)
    add_sync_run(db, "run_old", 91 * day)
    add_sync_run(db, "run_recent", 10 * day)
    add_sync_run(db, "run_unclosed", 91 * day, status="running")  # closed by the next sync

    policy = RetentionPolicy.from_config(validate_config({}))  # the defaults: 7, 90, 90 days
    with caplog.at_level(logging.WARNING, "pagerduty_actions.store.retention"):
        counts = prune(db, policy, NOW)

    assert counts == {"idempotency_records": 4, "action_runs": 5, "sync_runs": 1}
    assert remaining(db) == (
        {"done-6d", "live-10d", "left-1h"},
        {"recent"},
        {"run_recent", "run_unclosed"},
    )
    [warning] = [r.getMessage() for r in caplog.records]
    assert "'left-8d'" in warning and "pagerduty:service:create" in warning
    assert prune(db, policy, NOW) == {"idempotency_records": 0, "action_runs": 0, "sync_runs": 0}
    db.dispose()


def test_the_retention_keys_set_the_periods(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    config = validate_config(
        {"idempotency": {"retentionHours": 2}, "retention": {"auditDays": 3, "syncRunsDays": 1}}
    )
    hour, day = timedelta(hours=1), timedelta(days=1)
    add_key(db, "done-3h", state="done", age=3 * hour, lease=-3 * hour)
    add_key(db, "done-1h", state="done", age=hour, lease=-hour)
    add_audit(db, "audit-4d", 4 * day)
    add_audit(db, "audit-2d", 2 * day)
    add_sync_run(db, "run_2d", 2 * day)
    add_sync_run(db, "run_12h", day / 2)
    pruner = RetentionPruner(db, RetentionPolicy.from_config(config), now=lambda: NOW)
    assert pruner.tick() == {"idempotency_records": 1, "action_runs": 1, "sync_runs": 1}
    assert remaining(db) == ({"done-1h"}, {"audit-2d"}, {"run_12h"})
    db.dispose()


def test_the_migrations_build_exactly_the_tables_the_models_describe(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    db.dispose()


def test_serve_prunes_old_rows_on_its_own(tmp_path: Path) -> None:
    """A real ``serve`` over a database holding history older than the defaults: the
    pruner's pass at start-up deletes it, and keeps what is recent."""
    data = tmp_path / "data"
    db = Database(f"sqlite:///{data / 'pagerduty-actions.db'}")
    db.migrate()
    now, month = datetime.now(UTC), timedelta(days=30)
    add_audit(db, "ancient", 13 * month, now)
    add_audit(db, "today", timedelta(minutes=5), now)
    add_sync_run(db, "run_ancient", 13 * month, now)
    add_key(db, "ancient-key", state="done", age=month, lease=-month, now=now)
    env = {k: v for k, v in os.environ.items() if k != "PAGERDUTY_ACTIONS_CONFIG"}
    command = ["serve", "--port", "0", "--data-dir", str(data)]
    process = subprocess.Popen(
        [sys.executable, "-m", "pagerduty_actions", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while remaining(db) != (set(), {"today"}, set()):
            assert process.poll() is None, "serve exited"
            assert time.monotonic() < deadline, f"never pruned: {remaining(db)}"
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(20)
        db.dispose()
