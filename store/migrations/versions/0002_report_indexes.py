"""report indexes: what the monitoring report reads, so it stays under a second at 100,000 cases

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 15:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# name, table, columns: each matches an Index in store/models.py.
INDEXES = [
    ("ix_cases_opened_at", "cases", ["opened_at"]),
    ("ix_audit_stays", "audit_events", ["case_id", "seq", "kind", "at", "stage_before"]),
    ("ix_audit_arrivals", "audit_events", ["kind", "stage_after", "at", "case_id", "actor"]),
    ("ix_timers_fired", "timers", ["status", "due_at", "kind", "case_id"]),
]
# Made redundant by the ones above (ix_timers_fired starts with the worker's status, due_at), and every
# action pays for each index it writes: dropped.
REDUNDANT = [
    ("ix_timers_due", "timers", ["status", "due_at"]),
    ("ix_audit_kind_at", "audit_events", ["kind", "at"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in REDUNDANT:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in REDUNDANT:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
