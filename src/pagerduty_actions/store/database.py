"""Engine set-up and migrations for SQLite and PostgreSQL.

Migrations run at start-up so a platform team never runs a separate step; on PostgreSQL an
advisory lock makes several processes starting together migrate once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK_ID = 7077_2026


class DatabaseUnavailable(Exception):
    """The database cannot be reached or used; the message is safe to show."""


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


class Database:
    """One engine and session factory for the process."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        # A server connection can drop while pooled (a restart, an idle timeout): checking it
        # out pings it first. An SQLite connection is an open file and cannot drop, so its
        # checkouts ping nothing (a run checks out four times).
        self._pre_ping = self.dialect != "sqlite"
        kwargs: dict[str, Any] = {"pool_pre_ping": self._pre_ping, "future": True}
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["connect_args"] = {"connect_timeout": 5}
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(False)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def describe(self) -> str:
        return _safe_url(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success, rolled back on error; DB faults become
        ``DatabaseUnavailable`` so callers can answer 503 instead of crashing."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(
                f"database {self.describe()} failed: {type(exc).__name__}"
            ) from exc

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction, committed on success, for Core statements (no ORM
        unit of work: a row written this way costs a fifth of a session's); DB faults become
        ``DatabaseUnavailable`` as in :meth:`session`."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(
                f"database {self.describe()} failed: {type(exc).__name__}"
            ) from exc

    def ping(self) -> None:
        """Raise ``DatabaseUnavailable`` unless the database answers. Where checkouts ping
        (a server), the checkout is the ping: a dead pooled connection is replaced, and no
        reachable server raises; an SQLite file is asked ``SELECT 1``."""
        try:
            with self.engine.connect() as conn:
                if not self._pre_ping:
                    conn.exec_driver_sql("SELECT 1")
        except SQLAlchemyError as exc:
            raise self.unreachable(exc) from exc

    def unreachable(self, exc: SQLAlchemyError) -> DatabaseUnavailable:
        """What :meth:`ping` raises for ``exc``; also for a first statement that stands in
        for the ping (a lease's acquire), so a caller sees the same answer either way."""
        return DatabaseUnavailable(f"database {self.describe()} is unreachable: {_first_line(exc)}")

    def migrate(self) -> None:
        """Bring the schema to the newest migration."""
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID}
                    )
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(
                f"database {self.describe()} is unreachable: {_first_line(exc)}"
            ) from exc

    def purge_freed_space(self) -> None:
        """Rewrite an SQLite file (VACUUM) and empty its write-ahead log, so values deleted or
        overwritten (e.g. responses stored in clear by an older version) leave no copy in
        them. PostgreSQL drops old row versions itself as it vacuums."""
        if self.dialect != "sqlite":
            return
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")  # no VACUUM in a txn
                conn.exec_driver_sql("VACUUM")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(
                f"database {self.describe()} failed: {_first_line(exc)}"
            ) from exc

    def dispose(self) -> None:
        self.engine.dispose()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL's own pairing: a commit is durable when the process dies (what the idempotency and
    # crash recovery rely on) without an fsync per commit, which cost 3-7 ms of every run's
    # lease, progress and audit writes; the log is synced at each checkpoint. Only a power
    # loss or OS crash may roll back the last commits. PostgreSQL is the store for that.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
