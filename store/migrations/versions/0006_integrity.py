"""integrity: a MAC on each audit event, the checkpoints of every chain's head, the access log, and
the results of `redress verify`

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 10:00:00.000000

Events recorded before this revision keep `mac` NULL: `redress verify` reports them as unsigned
(recorded before integrity keys), never as tampered.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = store.models.UTCDateTime(timezone=True)


def _chained() -> list[sa.Column[str]]:
    return [
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("heads_digest", sa.String(length=64), nullable=False),
        sa.Column("heads", sa.JSON(), nullable=False),
        *_chained(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        *_chained(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
    )
    op.create_index("ix_access_case", "access_log", ["case_id", "seq"], unique=False)
    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("unsigned", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("checkpoint_seq", sa.Integer(), nullable=True),
        sa.Column("checkpoint_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_verifications_at", "verifications", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_verifications_at", table_name="verifications")
    op.drop_table("verifications")
    op.drop_index("ix_access_case", table_name="access_log")
    op.drop_table("access_log")
    op.drop_table("checkpoints")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("mac")
