"""sealed TOTP secrets: each authenticator secret encrypted (AES-256-GCM, store.sealed) under the totp key kept
outside the database; the column widened to hold the sealed value

The key is the one the engine installs before migrating (`redress init`, a restore). On SQLite the column is
widened with plain ALTER TABLE statements (add, copy, drop, rename), never by rebuilding `people`, which the
foreign keys of other tables' rows refer to.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store import sealed

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

SEALED_LENGTH = 255
PLAIN_LENGTH = 64
NO_KEY = (
    "migration 0016 {what} the authenticator secrets and needs the totp key (data_dir/totp.key, or the totp_key "
    "setting), which this run was not given: put the key back, or run 'redress init', which makes one"
)

_people = sa.table("people", sa.column("id", sa.Integer()), sa.column("totp_secret", sa.String()))


def _secrets(connection: sa.Connection) -> list[tuple[int, str]]:
    rows = connection.execute(sa.select(_people.c.id, _people.c.totp_secret).where(_people.c.totp_secret.is_not(None)))
    return [(int(person), str(secret)) for person, secret in rows]


def _store(connection: sa.Connection, values: list[tuple[int, str]]) -> None:
    for person, secret in values:
        connection.execute(sa.update(_people).where(_people.c.id == person).values(totp_secret=secret))


def _resize(connection: sa.Connection, length: int, was: int) -> None:
    if connection.dialect.name != "sqlite":
        op.alter_column("people", "totp_secret", type_=sa.String(length=length), existing_type=sa.String(length=was))
        return
    op.execute(f"ALTER TABLE people ADD COLUMN totp_resized VARCHAR({length})")
    op.execute("UPDATE people SET totp_resized = totp_secret")
    op.execute("ALTER TABLE people DROP COLUMN totp_secret")
    op.execute("ALTER TABLE people RENAME COLUMN totp_resized TO totp_secret")


def upgrade() -> None:
    connection = op.get_bind()
    plain = [(person, secret) for person, secret in _secrets(connection) if not sealed.is_sealed(secret)]
    key = sealed.key_of(connection)
    if plain and key is None:
        raise RuntimeError(NO_KEY.format(what="seals"))
    _resize(connection, SEALED_LENGTH, PLAIN_LENGTH)
    if key is not None:
        _store(connection, [(person, sealed.seal(key, secret, person)) for person, secret in plain])


def downgrade() -> None:
    connection = op.get_bind()
    kept = [(person, secret) for person, secret in _secrets(connection) if sealed.is_sealed(secret)]
    key = sealed.key_of(connection)
    if kept and key is None:
        raise RuntimeError(NO_KEY.format(what="opens"))
    if key is not None:
        _store(connection, [(person, sealed.unseal(key, secret, person)) for person, secret in kept])
    _resize(connection, PLAIN_LENGTH, SEALED_LENGTH)
