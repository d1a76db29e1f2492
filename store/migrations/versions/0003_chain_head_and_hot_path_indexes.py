"""the chain's head on the case row, and the indexes the action path and the worker read

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000

`cases.head_seq` and `cases.head_hash` are the last event of the case's audit chain, written in the
same transaction as each event: appending reads them with the case instead of selecting the chain's
tail, and a chain cut short no longer matches its head (invariant 4). Existing cases are filled in
from their last event.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

# name, table, columns: each matches an Index in store/models.py.
INDEXES = [
    ("ix_timers_case_status", "timers", ["case_id", "status"]),  # an action cancels its case's pending timers
    ("ix_audit_at", "audit_events", ["at"]),  # the digest's and the checks' "events since"
]
# ix_timers_case_status starts with case_id: every lookup by case uses it, and one index less to write.
REDUNDANT = [("ix_timers_case_id", "timers", ["case_id"])]


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("head_seq", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("head_hash", sa.String(length=64), nullable=False, server_default=GENESIS))
    op.execute(
        "UPDATE cases SET "
        "head_seq = coalesce((SELECT max(a.seq) FROM audit_events a WHERE a.case_id = cases.id), 0), "
        f"head_hash = coalesce((SELECT a.hash FROM audit_events a WHERE a.case_id = cases.id ORDER BY a.seq DESC LIMIT 1), '{GENESIS}')"
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in REDUNDANT:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in REDUNDANT:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("head_hash")
        batch.drop_column("head_seq")
