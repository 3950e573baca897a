"""Leases, settings, mapping overrides and sync runs, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from pagerduty_actions.store import Database
from pagerduty_actions.store.leases import LeaseStore
from pagerduty_actions.store.settings import MappingStore, SettingsStore
from pagerduty_actions.store.sync_runs import SyncRunStore


def migrated(url: str) -> Database:
    db = Database(url)
    db.migrate()
    return db


def test_only_one_holder_of_a_lease_among_threads(database_url: str) -> None:
    db = migrated(database_url)
    store = LeaseStore(db)
    barrier = threading.Barrier(8)
    owners: list[str | None] = []

    def grab() -> None:
        barrier.wait()
        owners.append(store.acquire("dependency-sync", 60))

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    held = [o for o in owners if o]
    assert len(held) == 1
    store.release("dependency-sync", held[0])
    assert store.acquire("dependency-sync", 60) is not None
    db.dispose()


def test_expired_lease_is_taken_over_and_renewal_needs_ownership(database_url: str) -> None:
    db = migrated(database_url)
    clock = [datetime(2026, 1, 1, tzinfo=UTC)]
    store = LeaseStore(db, now=lambda: clock[0])
    first = store.acquire("x", 10)
    assert first and store.acquire("x", 10) is None
    clock[0] += timedelta(seconds=11)
    second = store.acquire("x", 10)
    assert second and second != first
    assert not store.renew("x", first, 10)
    assert store.renew("x", second, 10)
    db.dispose()


def test_settings_and_overrides_round_trip(database_url: str) -> None:
    db = migrated(database_url)
    settings = SettingsStore(db)
    assert settings.get("dependency-sync-strategy") is None
    settings.put("dependency-sync-strategy", "both", by="alice")
    settings.put("dependency-sync-strategy", "backstage", by="bob")
    assert settings.get("dependency-sync-strategy") == "backstage"
    mappings = MappingStore(db)
    mappings.put("component:default/a", "PABC123", None, "alice")
    mappings.put("component:default/b", None, None, "alice")
    mappings.put("component:default/a", "PXYZ789", "eu", "bob")
    assert mappings.overrides() == {"component:default/a": "PXYZ789", "component:default/b": None}
    assert mappings.delete("component:default/b") and not mappings.delete("component:default/b")
    db.dispose()


def test_sync_run_progress_and_report(database_url: str) -> None:
    db = migrated(database_url)
    runs = SyncRunStore(db)
    run_id = runs.create("backstage", False, "cli")
    runs.progress(run_id, phase="reading PagerDuty", done=3, total=10, calls=4)
    running = runs.get(run_id)
    assert running is not None
    assert running["status"] == "running"
    assert running["progress"] == {"phase": "reading PagerDuty", "done": 3, "total": 10, "calls": 4}
    runs.finish(run_id, status="succeeded", report={"counts": {"changes": 2}})
    done = runs.get(run_id)
    assert done is not None and done["status"] == "succeeded"
    assert done["report"] == {"counts": {"changes": 2}} and done["finishedAt"]
    assert runs.get("run_missing") is None
    assert [r["id"] for r in runs.recent()] == [run_id]
    db.dispose()
