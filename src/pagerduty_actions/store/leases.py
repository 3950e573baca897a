"""Named leases in the database: a lock every server process sees.

Used to let only one dependency sync run at a time across processes. A lease expires, so a
crashed holder never blocks forever; the holder renews it while it works.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .database import Database, DatabaseUnavailable
from .models import Lease


class LeaseStore:
    def __init__(self, db: Database, now: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.db = db
        self.now = now

    def acquire(self, name: str, seconds: float) -> str | None:
        """Take the lease and return its owner token, or None when someone holds it."""
        owner = uuid.uuid4().hex
        now = self.now()
        expires = now + timedelta(seconds=seconds)
        try:
            with self.db.engine.begin() as conn:
                conn.execute(insert(Lease).values(name=name, owner=owner, expires_at=expires))
            return owner
        except IntegrityError:
            pass
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(f"database {self.db.describe()} failed: {exc}") from exc
        with self.db.session() as session:
            taken = session.execute(
                update(Lease)
                .where(Lease.name == name, Lease.expires_at < now)
                .values(owner=owner, expires_at=expires)
            )
            return owner if getattr(taken, "rowcount", 0) == 1 else None

    def renew(self, name: str, owner: str, seconds: float) -> bool:
        with self.db.session() as session:
            result = session.execute(
                update(Lease)
                .where(Lease.name == name, Lease.owner == owner)
                .values(expires_at=self.now() + timedelta(seconds=seconds))
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    def release(self, name: str, owner: str) -> None:
        with self.db.session() as session:
            session.execute(delete(Lease).where(Lease.name == name, Lease.owner == owner))
