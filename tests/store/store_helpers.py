"""What the store tests share: posting an action with a key, and what the database holds
read back as raw bytes (the SQLite files, or a COPY of every PostgreSQL table), as anyone with
a copy of it would see it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url

from pagerduty_actions.store import Database
from pagerduty_actions.store.models import Base

TOKEN = "store-test-token-0123456789"
CREATE = "pagerduty:service:create"


def post(app: Flask, key: str, body: dict[str, Any], action: str = CREATE) -> Any:
    return app.test_client().post(
        f"/v2/actions/{action}",
        json=body,
        headers={"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": key},
    )


def stored_bytes(database_url: str) -> bytes:
    """Everything the database keeps: the SQLite file and its journal, or each table's rows as
    PostgreSQL's COPY writes them (what pg_dump puts in a dump)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))
    db = Database(database_url)
    out = bytearray()
    try:
        raw = db.engine.raw_connection()
        try:
            cursor = raw.driver_connection.cursor()
            for table in [*Base.metadata.tables, "alembic_version"]:
                with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                    for chunk in copy:
                        out += bytes(chunk)
        finally:
            raw.close()
    finally:
        db.dispose()
    return bytes(out)
