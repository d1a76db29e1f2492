"""Schema migrations with Alembic: `upgrade` creates or upgrades a database to the newest schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from .db import optimize

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Upgrade to the newest schema; on SQLite, refresh the planner's statistics after (PRAGMA optimize)."""
    command.upgrade(alembic_config(engine), "head")
    if engine.dialect.name == "sqlite":
        optimize(engine)


def is_current(engine: Engine) -> bool:
    """Whether the database has every migration applied."""
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads
