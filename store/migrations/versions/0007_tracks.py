"""tracks: a case's tracks (the platform, the police ...), and the track and pause of a deadline and an event

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00.000000

`case_tracks` holds one row per track a case has started, at the track's stage. A timer belongs to the
case's own procedure (track NULL) or to a track; while a track waits at a stage that pauses a procedure,
that procedure's timers are `paused`, with the time they had left. An audit event names the track it
moved, if any.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC = store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(length=60), nullable=False),
        sa.Column("stage", sa.String(length=60), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("stage_entered_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "track"),
    )
    with op.batch_alter_table("timers") as batch:
        batch.add_column(sa.Column("track", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("paused_at", UTC, nullable=True))
        batch.add_column(sa.Column("remaining_seconds", sa.Integer(), nullable=True))
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("track", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("track")
    with op.batch_alter_table("timers") as batch:
        batch.drop_column("remaining_seconds")
        batch.drop_column("paused_at")
        batch.drop_column("track")
    op.drop_table("case_tracks")
