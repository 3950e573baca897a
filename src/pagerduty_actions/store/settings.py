"""Runtime settings and mapping overrides: small tables behind ``/v2/settings`` and
``/v2/mappings``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from .database import Database
from .models import MappingOverride, Setting


class SettingsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, setting_id: str) -> Any | None:
        with self.db.session() as session:
            row = session.get(Setting, setting_id)
            return json.loads(row.value_json) if row is not None else None

    def put(self, setting_id: str, value: Any, by: str | None = None) -> None:
        with self.db.session() as session:
            row = session.get(Setting, setting_id)
            now = datetime.now(UTC)
            if row is None:
                session.add(
                    Setting(
                        id=setting_id, value_json=json.dumps(value), updated_at=now, updated_by=by
                    )
                )
            else:
                row.value_json, row.updated_at, row.updated_by = json.dumps(value), now, by


class MappingStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def overrides(self) -> dict[str, str | None]:
        """Entity ref -> service id (None = explicitly unmapped)."""
        with self.db.session() as session:
            rows = session.scalars(select(MappingOverride))
            return {r.entity_ref: r.service_id for r in rows}

    def put(
        self, entity_ref: str, service_id: str | None, account: str | None, by: str | None
    ) -> None:
        with self.db.session() as session:
            row = session.get(MappingOverride, entity_ref)
            now = datetime.now(UTC)
            if row is None:
                session.add(
                    MappingOverride(
                        entity_ref=entity_ref, service_id=service_id, account=account,
                        updated_at=now, updated_by=by,
                    )
                )  # fmt: skip
            else:
                row.service_id, row.account, row.updated_at, row.updated_by = (
                    service_id,
                    account,
                    now,
                    by,
                )

    def delete(self, entity_ref: str) -> bool:
        with self.db.session() as session:
            row = session.get(MappingOverride, entity_ref)
            if row is None:
                return False
            session.delete(row)
            return True
