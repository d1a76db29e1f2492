"""read indexes: what the typed read side reads, so the dashboard and the case page do not grow with history

- ix_audit_reached: the stages each case has reached (who may see it in full), per case and as an EXISTS
  in the visibility filter, without reading the events themselves;
- ix_parties_person: the matters about a member of staff, found from the person.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# name, table, columns: each matches an Index in store/models.py.
INDEXES = [
    ("ix_audit_reached", "audit_events", ["case_id", "stage_after"]),
    ("ix_parties_person", "parties", ["person_id", "kind", "case_id"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
