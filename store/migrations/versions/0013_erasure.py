"""erasure: audit events commit to a digest of their content; tombstones, legal holds, erasure certificates

- audit_events.formula (1: the hash covers the content itself; 2: it covers a digest of it), digest (SHA-256
  of `data`), erased_at. Events already recorded keep formula 1 and their hashes (rewriting them would
  break the checkpoints and every copy of them kept elsewhere); their digest is computed here, so an
  erasure can name what it removed. Events written from now on are formula 2: their content can be
  erased and the chain still checks;
- evidence.erased_at / erased_by_id / erased_reason: an item erased stays as a tombstone with its SHA-256;
- cases.held_at / held_reason / held_by_id (legal hold), erased_at (content purged);
- erasure_certificates: what was erased, when, under which rule and by whom.

Columns are only added (no foreign keys on existing tables), so SQLite never rebuilds `cases` or `evidence`,
which it cannot do while other rows refer to them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09 12:00:00.000000
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UTC = store.models.UTCDateTime(timezone=True)

_events = sa.table("audit_events", sa.column("id", sa.Integer), sa.column("data", sa.JSON), sa.column("digest", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("formula", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("erased_at", UTC, nullable=True))
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("erased_at", UTC, nullable=True))
        batch.add_column(sa.Column("erased_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("erased_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("held_at", UTC, nullable=True))
        batch.add_column(sa.Column("held_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("held_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("erased_at", UTC, nullable=True))
    op.create_table(
        "erasure_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("rule_title", sa.Text(), nullable=False),
        sa.Column("what", sa.JSON(), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_erasure_certificates_case_id", "erasure_certificates", ["case_id"])
    _digests()


def _digests() -> None:
    """The digest of every event already recorded, as store.audit.data_digest computes it: a thousand events
    at a time, so memory stays flat however long the trail."""
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            sa.select(_events.c.id, _events.c.data).where(_events.c.id > after).order_by(_events.c.id).limit(1000)
        ).all()
        if not rows:
            return
        connection.execute(
            sa.update(_events).where(_events.c.id == sa.bindparam("event_id")).values(digest=sa.bindparam("new_digest")),
            [{"event_id": event_id, "new_digest": _digest(data)} for event_id, data in rows],
        )
        after = rows[-1][0]


def _digest(data: object) -> str:
    canonical = json.dumps(data or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def downgrade() -> None:
    op.drop_index("ix_erasure_certificates_case_id", table_name="erasure_certificates")
    op.drop_table("erasure_certificates")
    with op.batch_alter_table("cases") as batch:
        for name in ("erased_at", "held_by_id", "held_reason", "held_at"):
            batch.drop_column(name)
    with op.batch_alter_table("evidence") as batch:
        for name in ("erased_reason", "erased_by_id", "erased_at"):
            batch.drop_column(name)
    with op.batch_alter_table("audit_events") as batch:
        for name in ("erased_at", "digest", "formula"):
            batch.drop_column(name)
