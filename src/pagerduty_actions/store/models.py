"""Tables. Changing one means adding an Alembic migration under migrations/versions/."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class IdempotencyRecord(Base):
    """One ``Idempotency-Key`` of one caller: who holds it and, once done, the response.

    ``response_json`` and ``progress_json`` hold Fernet tokens of the JSON (store.encryption),
    never the JSON itself: a response carries integration keys. A finished row is deleted
    ``idempotency.retentionHours`` after ``updated_at`` (store.retention).
    """

    __tablename__ = "idempotency_records"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    action_id: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))  # "running" or "done"
    owner: Mapped[str] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    response_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # What the run has made so far (ids and names), so that a retry after a crash resumes
    # from it; null once nothing is left to resume. Encrypted too, whatever a handler notes.
    progress_json: Mapped[str | None] = mapped_column(Text, nullable=True)


class ActionRun(Base):
    """The audit trail: who ran which action, when, and how it ended (kept
    ``retention.auditDays``)."""

    __tablename__ = "action_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[str] = mapped_column(String(200), index=True)
    caller: Mapped[str] = mapped_column(String(200))
    initiator: Mapped[str | None] = mapped_column(String(300), nullable=True)
    dry_run: Mapped[bool] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(40))
    error_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    duration_ms: Mapped[int] = mapped_column(Integer)


class Setting(Base):
    """A runtime setting (``GET/PUT /v2/settings/{id}``), e.g. the sync strategy."""

    __tablename__ = "settings"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class MappingOverride(Base):
    """An entity -> service mapping set through ``PUT /v2/mappings/{entityRef}``.

    ``service_id`` null means "explicitly unmapped". Overrides are visible in
    ``GET /v2/mappings`` and never silently change what a file says (a sync proposes the file
    change instead).
    """

    __tablename__ = "mapping_overrides"

    entity_ref: Mapped[str] = mapped_column(String(300), primary_key=True)
    service_id: Mapped[str | None] = mapped_column(String(50), nullable=True)
    account: Mapped[str | None] = mapped_column(String(100), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class SyncRunRecord(Base):
    """One dependency sync run: its progress while it runs and its report after (kept
    ``retention.syncRunsDays``)."""

    __tablename__ = "sync_runs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    strategy: Mapped[str] = mapped_column(String(20))
    dry_run: Mapped[bool] = mapped_column()
    # running, succeeded, partial, failed, abandoned
    status: Mapped[str] = mapped_column(String(20))
    phase: Mapped[str] = mapped_column(String(40))
    done: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    calls: Mapped[int] = mapped_column(Integer)
    started_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    report_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # While running: each planned change's state, stored after every write (sync/ledger.py).
    ledger_json: Mapped[str | None] = mapped_column(Text, nullable=True)


class Lease(Base):
    """A named lock shared by every server process (one sync at a time)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
