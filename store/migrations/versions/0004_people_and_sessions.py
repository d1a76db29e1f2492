"""people: server-side sessions, the school's trail of people changes, sign-in records by address

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC = store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_seen_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sessions_person", "sessions", ["person_id", "revoked_at"], unique=False)
    op.create_index("ix_sessions_expires", "sessions", ["expires_at"], unique=False)
    op.create_table(
        "school_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=320), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
    )
    op.create_index(op.f("ix_school_events_subject_id"), "school_events", ["subject_id"], unique=False)
    with op.batch_alter_table("sign_ins") as batch:
        batch.add_column(sa.Column("client", sa.String(length=64), nullable=True))
    op.create_index("ix_sign_ins_at", "sign_ins", ["at"], unique=False)
    op.create_index("ix_sign_ins_client", "sign_ins", ["client", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sign_ins_client", table_name="sign_ins")
    op.drop_index("ix_sign_ins_at", table_name="sign_ins")
    with op.batch_alter_table("sign_ins") as batch:
        batch.drop_column("client")
    op.drop_index(op.f("ix_school_events_subject_id"), table_name="school_events")
    op.drop_table("school_events")
    op.drop_index("ix_sessions_expires", table_name="sessions")
    op.drop_index("ix_sessions_person", table_name="sessions")
    op.drop_table("sessions")
