"""a11y: a refused form kept with its session, so the page it came from shows it again after a redirect

- sessions.held_form: the refused form's message, field and values (JSON), taken once by the next page
  (post/redirect/get: a reload never posts again, and the values never ride in the cookie, which is 4 KB at most).

Revision ID: 0011
Revises: 0010
Create Date: 2027-01-10 12:00:00.000000

(Numbered 0009 after 0007_tracks; 0008 is kept for another branch, and the chain is set again when both land.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("held_form", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("held_form")
