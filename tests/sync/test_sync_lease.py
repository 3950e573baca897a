"""#19.8: the one-sync-at-a-time lease outlives a slow delivery and a run that loses it stops
writing.

A heartbeat renews the lease every quarter of ``sync.leaseSeconds`` (made 2 s here), so a git
push that takes longer than the lease keeps it: another app on the same database still gets
409. Before each write the run renews it once more; when that fails (here: another owner
took it) the run sends nothing more and its report says the lease was lost.
"""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sync_world import (
    AFTER_BACKSTAGE,
    Repos,
    entities,
    git_catalog,
    make_services,
    pd_edges,
    pd_writes,
    write_entity_files,
)

from pagerduty_actions.errors import ConflictError
from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.server import create_app
from pagerduty_actions.services import Services
from pagerduty_actions.store import Database
from pagerduty_actions.store.leases import LeaseStore, holder_gone, new_owner
from pagerduty_actions.store.models import Lease
from pagerduty_actions.store.sync_runs import SyncRunStore
from pagerduty_actions.sync import service
from pagerduty_actions.sync.runs import LEASE_LOST, LEASE_NAME, OBSERVERS

TOKEN = "sync-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LEASE = 2  # seconds


def lease_row(db: Database) -> tuple[str, datetime]:
    with db.session() as session:
        row = session.execute(
            select(Lease.owner, Lease.expires_at).where(Lease.name == LEASE_NAME)
        ).one()
    expires = row[1] if row[1].tzinfo else row[1].replace(tzinfo=UTC)
    return row[0], expires


def lease_held(db: Database) -> bool:
    with db.session() as session:
        return (
            session.execute(select(Lease.owner).where(Lease.name == LEASE_NAME)).first() is not None
        )


def hold_pushes(bare: Path, gate: Path) -> None:
    """A pre-receive hook that announces a push and holds it until ``gate/release`` exists:
    a git host as slow as the test wants."""
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\n"
        f"touch '{gate}/pushing'\n"
        f"while [ ! -f '{gate}/release' ]; do sleep 0.05; done\n"
        "cat >/dev/null\n",
        encoding="utf-8",
    )
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)


def wait_for(what: str, check: Any, seconds: float = 60.0) -> None:
    """Poll ``check`` until true; fail after a generous deadline."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"never saw: {what}"
        time.sleep(0.02)


@pytest.fixture
def two_apps(
    pd: SandboxServer, tmp_path: Path, repos: Repos, database_url: str
) -> Iterator[list[Any]]:
    """Two apps (two processes' worth of services) on one database, catalog in git checkouts,
    changes pushed as commits, a 2 s lease."""
    made: list[Services] = []
    for index in range(2):
        made.append(
            make_services(
                pd,
                database_url,
                tmp_path / f"d{index}",
                sync={"leaseSeconds": LEASE, "delivery": "commit"},
                **git_catalog(tmp_path),
            )
        )
    yield [create_app(s.config, services=s) for s in made]
    for services in made:
        services.close()


def test_a_push_longer_than_the_lease_keeps_it(
    two_apps: list[Any], repos: Repos, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    gate.mkdir()
    hold_pushes(repos.bare["repo-a"], gate)
    first, second = (app.test_client() for app in two_apps)
    started = first.post("/v2/sync", json={"strategy": "pagerduty"}, headers=AUTH)
    assert started.status_code == 202, started.json
    run_id = started.json["runId"]
    db = two_apps[0].extensions["pagerduty_actions"].services.db
    try:
        wait_for("the push to start", (gate / "pushing").exists)
        owner, expiry = lease_row(db)
        # let the lease run out twice over had nobody renewed it
        wait_for(
            "two leases to pass", lambda: datetime.now(UTC) > expiry + timedelta(seconds=LEASE)
        )
        refused = second.post("/v2/sync", json={"strategy": "pagerduty"}, headers=AUTH)
        assert refused.status_code == 409, refused.json
        assert lease_row(db)[0] == owner and lease_row(db)[1] > datetime.now(UTC)
    finally:
        (gate / "release").touch()
    wait_for(
        "the run to end",
        lambda: first.get(f"/v2/sync/runs/{run_id}", headers=AUTH).json["status"] != "running",
    )
    run = first.get(f"/v2/sync/runs/{run_id}", headers=AUTH).json
    assert run["status"] == "succeeded", run
    assert {c["entityRef"] for c in run["report"]["applied"]} == {
        "component:default/checkout",
        "component:default/search",
    }
    # The run is stored finished before its lease is released (never the other way round:
    # a new holder closes runs still marked running as abandoned), so wait for the release.
    wait_for("the lease to be released", lambda: not lease_held(db))
    again = second.post("/v2/sync", json={"strategy": "pagerduty", "dryRun": True}, headers=AUTH)
    assert again.status_code == 202  # the lease was released at the end


def test_a_run_that_loses_its_lease_stops_writing_and_says_so(
    pd: SandboxServer, tmp_path: Path, database_url: str
) -> None:
    """Three one-change batches; after the first, another owner has the lease."""
    write_entity_files(tmp_path / "catalog", entities())
    services = make_services(
        pd,
        database_url,
        tmp_path / "d",
        catalog={"files": [str(tmp_path / "catalog/*.yaml")]},
        sync={"batchSize": 1, "leaseSeconds": LEASE},
    )
    assert services.db is not None
    thief = new_owner()

    def take_the_lease(run_id: str, phase: str, done: int, total: int, calls: int) -> None:
        if phase == "writing PagerDuty" and done == 1:
            with services.db.session() as session:  # type: ignore[union-attr]
                session.execute(update(Lease).where(Lease.name == LEASE_NAME).values(owner=thief))

    services.extras[OBSERVERS] = [take_the_lease]
    try:
        report = service.run(services, {"strategy": "backstage"}, started_by="test")
        stored = SyncRunStore(services.db).get(report["runId"])
        holder = lease_row(services.db)[0]
    finally:
        services.close()
    assert pd_writes(pd) == ["/service_dependencies/disassociate"]  # one batch, then nothing
    assert report["status"] == "partial" and report["error"] == LEASE_LOST
    assert len(report["applied"]) == 1 and len(report["notAttempted"]) == 2
    assert report["failed"] == []
    assert stored is not None and stored["status"] == "partial" and stored["error"] == LEASE_LOST
    assert holder == thief  # the run did not release a lease it no longer held
    assert pd_edges(pd) != AFTER_BACKSTAGE


# -- who holds a lease -------------------------------------------------------------------------


def test_a_holder_whose_process_is_gone_is_recognised(database_url: str) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = new_owner().split(".")
    dead[1] = gone.stdout.strip()
    dead_owner = ".".join(dead)
    assert holder_gone(dead_owner)
    mine = new_owner()
    assert not holder_gone(mine)  # this process runs
    assert holder_gone(mine, restarted=True)  # an earlier incarnation with this pid
    elsewhere = f"{mine.rsplit('.', 1)[0]}.0123456789ab"
    assert not holder_gone(elsewhere)  # another machine: only its lease's expiry tells
    assert not holder_gone("a-token-of-another-form")

    db = Database(database_url)
    db.migrate()
    try:
        store = LeaseStore(db)
        with db.session() as session:
            session.add(
                Lease(name=LEASE_NAME, owner=dead_owner,
                      expires_at=datetime.now(UTC) + timedelta(minutes=5))
            )  # fmt: skip
        assert store.acquire(LEASE_NAME, 60) is None  # not expired
        taken = store.acquire(LEASE_NAME, 60, reclaim=holder_gone)
        assert taken is not None and lease_row(db)[0] == taken
        assert store.acquire(LEASE_NAME, 60, reclaim=holder_gone) is None  # a live holder
    finally:
        db.dispose()


def test_a_run_of_a_dead_replica_is_closed_once_its_lease_expires(
    pd: SandboxServer, tmp_path: Path, database_url: str
) -> None:
    """Another machine's process died mid-run: its lease cannot be checked, only waited out.
    Until it expires a start is refused; then the next run closes it as abandoned (with what
    it recorded) and runs."""
    write_entity_files(tmp_path / "catalog", entities())
    services = make_services(
        pd, database_url, tmp_path / "d", catalog={"files": [str(tmp_path / "catalog/*.yaml")]}
    )
    assert services.db is not None
    runs = SyncRunStore(services.db)
    dead = runs.create("backstage", False, "replica-2")
    change = {"side": "pagerduty", "kind": "add", "dependent": "PA", "supporting": "PB",
              "reason": "r"}  # fmt: skip
    other = {**change, "dependent": "PC"}
    runs.planned(dead, {"strategy": "backstage", "dryRun": False, "changes": [change, other],
                        "applied": [], "failed": [], "notAttempted": [], "counts": {}})  # fmt: skip
    runs.record(dead, {"states": "ap", "errors": {}, "deliveries": [], "stopped": None})
    elsewhere = f"{new_owner().rsplit('.', 1)[0]}.0123456789ab"  # a pid on another host
    with services.db.session() as session:
        session.add(
            Lease(name=LEASE_NAME, owner=elsewhere,
                  expires_at=datetime.now(UTC) + timedelta(seconds=30))
        )  # fmt: skip
    try:
        with pytest.raises(ConflictError):
            service.start(services, {"strategy": "backstage"}, started_by="test")
        assert runs.get(dead)["status"] == "running"  # type: ignore[index]
        with services.db.session() as session:  # the dead holder's lease runs out
            session.execute(
                update(Lease).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        report = service.run(services, {"strategy": "backstage"}, started_by="test")
        closed = runs.get(dead)
    finally:
        services.close()
    assert report["status"] == "succeeded"
    assert closed is not None and closed["status"] == "abandoned"
    assert closed["report"]["applied"] == [change]
    assert closed["report"]["notAttempted"] == [other]
    assert closed["report"]["status"] == "abandoned" and closed["finishedAt"]
