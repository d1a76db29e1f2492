"""case record: answers kept per action, withdrawn evidence, a poster's postal address

- cases.facts was {field: latest value}, so a field of one action hid another's (the escalation's
  `reason` replaced the poster's). It becomes {action: {field: value}}, rebuilt from the audit trail
  (each action event, a track's too, holds the fields it was given), in chain order;
- evidence.withdrawn_at / withdrawn_reason: an item withdrawn leaves the case's list, never the store;
- parties.address: where letters to a poster go.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 12:00:00.000000

(Written as 0008 after 0007_tracks; renumbered 0012 when it landed after next's 0008..0011.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("facts", sa.JSON))
_events = sa.table(
    "audit_events",
    sa.column("case_id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("action", sa.String),
    sa.column("data", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("withdrawn_at", store.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("address", sa.Text(), nullable=True))
    _facts_per_action()


def _facts_per_action() -> None:
    connection = op.get_bind()
    rebuilt: dict[int, dict[str, dict[str, object]]] = {}
    rows = connection.execute(
        sa.select(_events.c.case_id, _events.c.action, _events.c.data)
        .where(_events.c.kind.in_(("action", "track_started", "track_action")))
        .order_by(_events.c.case_id, _events.c.seq)
    )
    for case_id, action, data in rows:
        if action is None or "fields" not in (data or {}):
            continue  # a track started by a category or a main action's `starts_track`: it was given no answers
        answers = rebuilt.setdefault(case_id, {})
        answers.pop(action, None)  # the action taken last stays last
        answers[action] = dict((data or {}).get("fields") or {})
    for (case_id,) in connection.execute(sa.select(_cases.c.id)):
        connection.execute(sa.update(_cases).where(_cases.c.id == case_id).values(facts=rebuilt.get(case_id, {})))


def downgrade() -> None:
    connection = op.get_bind()
    for case_id, facts in connection.execute(sa.select(_cases.c.id, _cases.c.facts)).all():
        flat: dict[str, object] = {}
        for answers in (facts or {}).values():
            flat.update(answers or {})
        connection.execute(sa.update(_cases).where(_cases.c.id == case_id).values(facts=flat))
    with op.batch_alter_table("parties") as batch:
        batch.drop_column("address")
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("withdrawn_reason")
        batch.drop_column("withdrawn_at")
