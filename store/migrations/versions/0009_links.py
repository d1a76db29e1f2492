"""links: cases linked to each other (the same poster, the same thread), and when a post was first published

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-14 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC = store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("first_published_on", sa.Date(), nullable=True))
    op.create_table(
        "case_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("by", sa.String(length=320), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["other_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["by_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "other_id"),
    )
    op.create_index("ix_case_links_basis", "case_links", ["basis", "case_id"], unique=False)
    op.create_index(op.f("ix_case_links_other_id"), "case_links", ["other_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_case_links_other_id"), table_name="case_links")
    op.drop_index("ix_case_links_basis", table_name="case_links")
    op.drop_table("case_links")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("first_published_on")
