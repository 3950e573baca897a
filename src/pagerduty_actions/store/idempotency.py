"""``Idempotency-Key`` records, safe across threads and server processes.

The database row is the lock: the first request inserts a ``running`` row under the key;
everyone else finds it. A duplicate with the same input is told at once that the first is
still running (or, with ``wait_seconds``, waits for it) and, once it is done, gets its response
replayed; with other input it is refused.

The live holder renews a short lease (:meth:`IdempotencyStore.renew`, on a heartbeat), and
records what it has made so far on the row (:meth:`save_progress`). A crashed holder stops
renewing; once its lease lapses the next request with the key takes the row over, progress
and all, and finishes or undoes the work. A run that failed with nothing left to resume
releases the key so that a retry runs afresh.

What a row keeps about the request (the response, which carries integration keys, and the
progress) is encrypted (see encryption). A response is replayed for
``idempotency.retentionHours`` (default 7 days) after the run finished; after that the key
behaves as a new key, and the retention pruner deletes the row.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .database import Database, DatabaseUnavailable
from .encryption import RecordCipher
from .models import IdempotencyRecord

DEFAULT_RETENTION_HOURS = 7 * 24
_SEAL_BATCH = 500


class IdempotencyKeyReused(Exception):
    """The key was used before with a different action or input."""


class IdempotencyInProgress(Exception):
    """The first request with this key is still running; ask again in ``retry_after`` s."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class IdempotencyLeaseLost(Exception):
    """This run no longer holds its key: its lease lapsed and another request took it over."""


@dataclass(frozen=True)
class Reservation:
    """Either we hold the key (``response is None``) or this is a replay of a finished run.

    ``progress`` is what an interrupted earlier run with this key had recorded (taken over
    after its lease lapsed), else None.
    """

    scope: str
    key: str
    owner: str
    response: dict[str, Any] | None = None
    progress: dict[str, Any] | None = None

    @property
    def is_replay(self) -> bool:
        return self.response is not None


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def forgettable(cutoff: datetime, now: datetime) -> ColumnElement[bool]:
    """Rows last written before ``cutoff`` that no live run holds: finished runs (whose key
    is now a new key) and records of interrupted runs nobody retried in that time."""
    return and_(
        IdempotencyRecord.updated_at < cutoff,
        or_(IdempotencyRecord.state == "done", IdempotencyRecord.lease_expires_at < now),
    )


class IdempotencyStore:
    def __init__(
        self,
        db: Database,
        *,
        cipher: RecordCipher,
        retention_hours: float = DEFAULT_RETENTION_HOURS,
        lease_seconds: float = 30.0,
        wait_seconds: float = 0.0,
        retry_after_seconds: float = 2.0,
        poll_seconds: float = 0.05,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.cipher = cipher
        self.retention = timedelta(hours=retention_hours)
        self.lease_seconds = lease_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.wait_seconds = wait_seconds
        self.retry_after_seconds = retry_after_seconds
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
            if row is not None and self._expired(row):
                self._forget(row)  # an expired key behaves as a new key
                continue
            if row is not None:
                if row.request_hash != request_hash:
                    raise IdempotencyKeyReused(
                        f"Idempotency-Key {key!r} was already used with "
                        f"{'another action' if row.action_id != action_id else 'different input'}"
                    )
                if row.state == "done" and row.response_json is not None:
                    response = self._open(
                        row.response_json, f"the stored response of Idempotency-Key {key!r}"
                    )
                    return Reservation(scope, key, row.owner, response)
                if _utc(row.lease_expires_at) < self.now():
                    progress = (
                        self._open(row.progress_json, f"the progress of Idempotency-Key {key!r}")
                        if row.progress_json
                        else None
                    )  # read before taking over: a key we cannot read is left as it was
                    if self._take_over(row, owner):
                        return Reservation(scope, key, owner, progress=progress)
            if time.monotonic() >= deadline:
                raise IdempotencyInProgress(
                    f"a request with Idempotency-Key {key!r} is still running; retry in "
                    f"{self.retry_after_seconds:g} s to get its response",
                    self.retry_after_seconds,
                )
            time.sleep(self.poll_seconds)

    def renew(self, reservation: Reservation) -> bool:
        """Extend the lease of a running reservation; False when it is no longer ours."""
        return self._update_running(reservation, {})

    def save_progress(self, reservation: Reservation, progress: dict[str, Any] | None) -> None:
        """Record what the run has made so far (None: nothing to resume); renews the lease.

        Raises :class:`IdempotencyLeaseLost` when another request has taken the key over: the
        caller must stop writing, since that request is now finishing the work.
        """
        text = self.cipher.seal(json.dumps(progress)) if progress else None
        if not self._update_running(reservation, {"progress_json": text}):
            raise IdempotencyLeaseLost(
                f"this run lost Idempotency-Key {reservation.key!r} to a later request with "
                "the same key, which carries on with the work; retry to get its response"
            )

    def _update_running(self, reservation: Reservation, values: dict[str, Any]) -> bool:
        now = self.now()
        with self.db.transaction() as conn:
            result = conn.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.scope == reservation.scope,
                    IdempotencyRecord.key == reservation.key,
                    IdempotencyRecord.owner == reservation.owner,
                    IdempotencyRecord.state == "running",
                )
                .values(lease_expires_at=now + self.lease, updated_at=now, **values)
            )
            return bool(result.rowcount == 1)

    def complete(self, reservation: Reservation, response: dict[str, Any]) -> None:
        now = self.now()
        with self.db.transaction() as conn:
            conn.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.scope == reservation.scope,
                    IdempotencyRecord.key == reservation.key,
                    IdempotencyRecord.owner == reservation.owner,
                )
                .values(
                    state="done",
                    response_json=self.cipher.seal(json.dumps(response)),
                    progress_json=None,
                    updated_at=now,
                )
            )

    def release(self, reservation: Reservation) -> None:
        """Let a retry with the same key in at once after a failed run.

        With nothing recorded to resume, the key is forgotten and a retry runs afresh. With
        progress left (a rollback that left something behind), the row stays with its lease
        lapsed, so the retry takes it over and finishes or undoes that work.
        """
        where = (
            IdempotencyRecord.scope == reservation.scope,
            IdempotencyRecord.key == reservation.key,
            IdempotencyRecord.owner == reservation.owner,
        )
        with self.db.transaction() as conn:
            conn.execute(
                delete(IdempotencyRecord).where(*where, IdempotencyRecord.progress_json.is_(None))
            )
            conn.execute(
                update(IdempotencyRecord)
                .where(*where, IdempotencyRecord.state == "running")
                .values(lease_expires_at=self.now() - timedelta(seconds=1))
            )

    def seal_clear_rows(self) -> int:
        """Encrypt what rows written before encryption existed hold in clear; returns how many.

        Run once at start-up: their responses stay replayable, and no longer readable in the
        database. Batches keep each transaction short; several processes may race harmlessly
        (a row is only rewritten if it still holds the clear text that was read).
        """
        sealed = 0
        for column in (IdempotencyRecord.response_json, IdempotencyRecord.progress_json):
            while True:
                with self.db.session() as session:
                    rows = session.execute(
                        select(IdempotencyRecord.scope, IdempotencyRecord.key, column)
                        .where(column.like("{%"))
                        .limit(_SEAL_BATCH)
                    ).all()
                    for scope, key, text in rows:
                        session.execute(
                            update(IdempotencyRecord)
                            .where(
                                IdempotencyRecord.scope == scope,
                                IdempotencyRecord.key == key,
                                column == text,
                            )
                            .values({column.key: self.cipher.seal(str(text))})
                        )
                sealed += len(rows)
                if len(rows) < _SEAL_BATCH:
                    break
        return sealed

    def _open(self, token: str, what: str) -> dict[str, Any]:
        return dict(json.loads(self.cipher.open(token, what)))

    def _expired(self, row: IdempotencyRecord) -> bool:
        return row.state == "done" and _utc(row.updated_at) < self.now() - self.retention

    def _forget(self, row: IdempotencyRecord) -> None:
        """Delete an expired row, unless it changed since it was read."""
        with self.db.session() as session:
            session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.scope == row.scope,
                    IdempotencyRecord.key == row.key,
                    IdempotencyRecord.owner == row.owner,
                    IdempotencyRecord.state == "done",
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
                        progress_json=None,
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
        with self.db.transaction() as conn:
            result = conn.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.scope == row.scope,
                    IdempotencyRecord.key == row.key,
                    IdempotencyRecord.owner == row.owner,
                    IdempotencyRecord.state == "running",
                )
                .values(owner=owner, lease_expires_at=now + self.lease, updated_at=now)
            )
            return bool(result.rowcount == 1)
