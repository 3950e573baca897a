"""Indexes on the times the retention pruner deletes by, so each pass reads only old rows.

Stored responses are encrypted from this version on; rows written in clear before are
encrypted at start-up (bootstrap), since the key is not the migration's to know.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_INDEXES = [
    ("ix_idempotency_records_updated_at", "idempotency_records", "updated_at"),
    ("ix_action_runs_started_at", "action_runs", "started_at"),
    ("ix_sync_runs_started_at", "sync_runs", "started_at"),
]


def upgrade() -> None:
    for name, table, column in _INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _column in _INDEXES:
        op.drop_index(name, table_name=table)
