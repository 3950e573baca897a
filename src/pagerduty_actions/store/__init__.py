"""Persistence: idempotency records, the audit trail of action runs, settings and mappings.

SQLite (embedded, zero set-up) or PostgreSQL (several server processes) through SQLAlchemy 2;
the schema is managed by Alembic migrations that run at start-up.
"""

from .database import Database, DatabaseUnavailable
from .idempotency import IdempotencyStore, Reservation

__all__ = ["Database", "DatabaseUnavailable", "IdempotencyStore", "Reservation"]
