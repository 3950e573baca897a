"""``Idempotency-Key`` records, safe across threads and server processes.

The database row is the lock: the first request inserts a ``running`` row under the key;
everyone else finds it. A duplicate with the same input waits for the first to finish and
replays its response; with other input it is refused. A crashed holder's row expires after
its lease, so a key is never stuck forever, yet a live run is never run a second time.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .database import Database, DatabaseUnavailable
from .models import IdempotencyRecord


class IdempotencyKeyReused(Exception):
    """The key was used before with a different action or input."""


class IdempotencyInProgress(Exception):
    """The first request with this key is still running after our wait."""


@dataclass(frozen=True)
class Reservation:
    """Either we hold the key (``response is None``) or this is a replay of a finished run."""

    scope: str
    key: str
    owner: str
    response: dict[str, Any] | None = None

    @property
    def is_replay(self) -> bool:
        return self.response is not None


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class IdempotencyStore:
    def __init__(
        self,
        db: Database,
        *,
        lease_seconds: float = 900.0,
        wait_seconds: float = 60.0,
        poll_seconds: float = 0.05,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.lease = timedelta(seconds=lease_seconds)
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        self.now = now

    def reserve(self, scope: str, key: str, action_id: str, request_hash: str) -> Reservation:
        """Hold ``key`` for a new run, or return the stored response of the finished one."""
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + self.wait_seconds
        while True:
            if self._try_insert(scope, key, action_id, request_hash, owner):
                return Reservation(scope, key, owner)
            row = self._get(scope, key)
            if row is not None:
                if row.request_hash != request_hash:
                    raise IdempotencyKeyReused(
                        f"Idempotency-Key {key!r} was already used with "
                        f"{'another action' if row.action_id != action_id else 'different input'}"
                    )
                if row.state == "done" and row.response_json is not None:
                    return Reservation(scope, key, row.owner, json.loads(row.response_json))
                if _utc(row.lease_expires_at) < self.now() and self._take_over(row, owner):
                    return Reservation(scope, key, owner)
            if time.monotonic() >= deadline:
                raise IdempotencyInProgress(
                    f"a request with Idempotency-Key {key!r} is still running; retry later"
                )
            time.sleep(self.poll_seconds)

    def complete(self, reservation: Reservation, response: dict[str, Any]) -> None:
        now = self.now()
        with self.db.session() as session:
            session.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.scope == reservation.scope,
                    IdempotencyRecord.key == reservation.key,
                    IdempotencyRecord.owner == reservation.owner,
                )
                .values(state="done", response_json=json.dumps(response), updated_at=now)
            )

    def release(self, reservation: Reservation) -> None:
        """Forget a failed run so that a retry with the same key runs again."""
        with self.db.session() as session:
            session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.scope == reservation.scope,
                    IdempotencyRecord.key == reservation.key,
                    IdempotencyRecord.owner == reservation.owner,
                )
            )

    def _try_insert(
        self, scope: str, key: str, action_id: str, request_hash: str, owner: str
    ) -> bool:
        now = self.now()
        try:
            with self.db.engine.begin() as conn:
                conn.execute(
                    insert(IdempotencyRecord).values(
                        scope=scope,
                        key=key,
                        request_hash=request_hash,
                        action_id=action_id,
                        state="running",
                        owner=owner,
                        lease_expires_at=now + self.lease,
                        response_json=None,
                        created_at=now,
                        updated_at=now,
                    )
                )
            return True
        except IntegrityError:
            return False
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(
                f"database {self.db.describe()} failed: {type(exc).__name__}"
            ) from exc

    def _get(self, scope: str, key: str) -> IdempotencyRecord | None:
        with self.db.session() as session:
            return session.scalars(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
                )
            ).first()

    def _take_over(self, row: IdempotencyRecord, owner: str) -> bool:
        now = self.now()
        with self.db.session() as session:
            result = session.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.scope == row.scope,
                    IdempotencyRecord.key == row.key,
                    IdempotencyRecord.owner == row.owner,
                    IdempotencyRecord.state == "running",
                )
                .values(owner=owner, lease_expires_at=now + self.lease, updated_at=now)
            )
            return bool(getattr(result, "rowcount", 0) == 1)
