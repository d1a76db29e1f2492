"""sign-in: two-factor (authenticator secret, recovery codes, remembered browsers), how each sign-in was
made, the second step of a session, and a case's owner

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC = store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_enrolled_at", UTC, nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    with op.batch_alter_table("sign_ins") as batch:
        batch.add_column(sa.Column("method", sa.String(length=40), nullable=False, server_default="password"))
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("second_factor", sa.String(length=20), nullable=False, server_default=""))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_cases_owner_id_people", "people", ["owner_id"], ["id"])
        batch.create_index(batch.f("ix_cases_owner_id"), ["owner_id"], unique=False)
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_recovery_codes_person", "recovery_codes", ["person_id"], unique=False)
    op.create_table(
        "remembered_browsers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_remembered_browsers_person", "remembered_browsers", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_remembered_browsers_person", table_name="remembered_browsers")
    op.drop_table("remembered_browsers")
    op.drop_index("ix_recovery_codes_person", table_name="recovery_codes")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index(batch.f("ix_cases_owner_id"))
        batch.drop_constraint("fk_cases_owner_id_people", type_="foreignkey")
        batch.drop_column("owner_id")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("second_factor")
    with op.batch_alter_table("sign_ins") as batch:
        batch.drop_column("method")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enrolled_at")
        batch.drop_column("totp_secret")
