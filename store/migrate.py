"""Schema migrations with Alembic: `upgrade` creates or upgrades a database to the newest schema."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

from .db import optimize

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    # Alembic (with Mako) is imported by the commands that migrate, not by every command that opens the app.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Upgrade to the newest schema; on SQLite, refresh the planner's statistics after (PRAGMA optimize)."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
    if engine.dialect.name == "sqlite":
        optimize(engine)


def is_current(engine: Engine) -> bool:
    """Whether the database has every migration applied."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


Schema = Literal["empty", "redress", "foreign"]


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for other databases and in-memory ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    if parsed.database.startswith("file:"):  # a URI filename (`?uri=true`)
        return Path(parsed.database.removeprefix("file:").partition("?")[0])
    return Path(parsed.database)


def sqlite_schema(path: Path) -> Schema:
    """What a SQLite file holds, read without changing it or leaving a -wal or -shm file behind.

    A file in rollback-journal mode (another application's, say) is opened read-only, so its
    journal mode is never switched; one in WAL mode (Redress's) read-write, so that closing the
    last connection removes the -wal and -shm files a read-only one would leave.
    """
    with path.open("rb") as file:
        header = file.read(100)
    if not header:
        return "empty"
    if not header.startswith(b"SQLite format 3\x00"):
        raise sqlite3.DatabaseError("file is not a database")
    wal = len(header) > 18 and header[18] == 2
    uri = f"{path.resolve().as_uri()}?mode={'rw' if wal else 'ro'}"
    with closing(sqlite3.connect(uri, uri=True)) as connection:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return _classify(names)


def schema_state(engine: Engine) -> Schema:
    """'empty' (no tables: a new database), 'redress' (Alembic's table and the cases), or 'foreign'."""
    with engine.connect() as connection:
        return _classify(set(inspect(connection).get_table_names()))


def _classify(tables: set[str]) -> Schema:
    if not tables:
        return "empty"
    return "redress" if {"alembic_version", "cases"} <= tables else "foreign"
