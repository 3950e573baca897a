"""Short leases kept alive by a heartbeat, on SQLite and PostgreSQL: a live holder keeps its
lease well past the lease length, notices when it is taken away, and a waiter gets the lease
as soon as the holder lets go (or stops renewing)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import update

from pagerduty_actions.store import Database
from pagerduty_actions.store.heartbeat import LeaseBusy, hold_lease
from pagerduty_actions.store.leases import LeaseStore
from pagerduty_actions.store.models import Lease


def migrated(url: str) -> Database:
    db = Database(url)
    db.migrate()
    return db


def test_a_held_lease_outlives_its_length_and_the_holder_sees_it_taken(database_url: str) -> None:
    db = migrated(database_url)
    leases = LeaseStore(db)
    with hold_lease(leases, "svc", seconds=1.5, wait_seconds=0, what="svc") as beat:
        time.sleep(3.2)  # twice the lease: only the heartbeat keeps it
        assert leases.acquire("svc", 60) is None
        with (
            pytest.raises(LeaseBusy, match="svc is busy"),
            hold_lease(leases, "svc", seconds=1.5, wait_seconds=0, what="svc"),
        ):
            pass
        assert not beat.lost.is_set()
        with db.session() as session:  # another process took it over after a lapse
            session.execute(update(Lease).where(Lease.name == "svc").values(owner="someone"))
        assert beat.lost.wait(5)
    db.dispose()


def test_a_waiter_gets_the_lease_when_the_holder_lets_go_or_stops_renewing(
    database_url: str,
) -> None:
    db = migrated(database_url)
    leases = LeaseStore(db)
    with hold_lease(leases, "svc", seconds=30, wait_seconds=0, what="svc"):
        pass
    with hold_lease(leases, "svc", seconds=30, wait_seconds=0, what="svc"):
        pass  # released on exit: no wait at all
    assert leases.acquire("svc", 1) is not None  # a holder that dies: nobody renews
    with hold_lease(leases, "svc", seconds=30, wait_seconds=10, what="svc") as beat:
        assert not beat.lost.is_set()
    db.dispose()


def test_a_hold_shorter_than_one_interval_starts_no_thread(database_url: str) -> None:
    """A create holds its service name for well under a renewal interval: starting and
    joining a renewal thread for it cost more than the rest of its own work."""
    db = migrated(database_url)
    leases = LeaseStore(db)
    with hold_lease(leases, "quick", seconds=30, wait_seconds=0, what="quick"):
        during = {thread.name for thread in threading.enumerate()}
    assert "heartbeat quick" not in during
    with hold_lease(leases, "slow", seconds=0.6, wait_seconds=0, what="slow"):
        time.sleep(0.5)  # past the first renewal (every 0.2 s)
        during = {thread.name for thread in threading.enumerate()}
    assert "heartbeat slow" in during
    assert "heartbeat slow" not in {thread.name for thread in threading.enumerate()}
    db.dispose()
