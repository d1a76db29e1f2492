"""`redress init`: create or upgrade the database and load workflows.yaml as the current version."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update

import workflows
from engine.context import Redress, database_schema
from engine.errors import Refused
from engine.files import private_folder, private_new_file
from engine.integrity_key import install_key, key_path
from engine.settings_values import masked_url
from engine.totp_key import install_totp_key
from engine.totp_key import key_path as totp_key_path
from engine.workflow_file import workflow_path
from store import WorkflowVersion, migrate


@dataclass(frozen=True)
class InitResult:
    content_hash: str
    name: str
    new_version: bool


def init(app: Redress, workflow_file: Path | None = None) -> InitResult:
    """Idempotent: the schema is upgraded, and the workflow file becomes the current version.

    The one command that creates a database; it refuses one that holds another application's tables.
    """
    loaded = workflows.load(workflow_path(app.settings, workflow_file), app.renderer.names())
    path = migrate.sqlite_file(app.settings.database_url)  # the workflow read first: a bad one creates nothing
    made = _Made()
    try:
        return _init(app, loaded, path, made)
    except BaseException:
        made.undo(app)  # a failed init leaves nothing it made: no half-made database, folder or key
        raise


class _Made:
    """What this init created, so a failure can take it away again."""

    def __init__(self) -> None:
        self.files: list[Path] = []
        self.folders: list[Path] = []

    def folder(self, path: Path) -> None:
        self.folders += [f for f in (path, *path.parents) if not f.exists()][::-1]
        private_folder(path)

    def undo(self, app: Redress) -> None:
        app.db.engine.dispose()  # SQLite's file handles closed before the files go
        for file in reversed(self.files):
            for name in (
                file,
                file.with_name(file.name + "-wal"),
                file.with_name(file.name + "-shm"),
                file.with_name(file.name + "-journal"),
            ):
                name.unlink(missing_ok=True)
        for folder in reversed(self.folders):
            shutil.rmtree(folder, ignore_errors=True)


def _init(app: Redress, loaded: workflows.Loaded, path: Path | None, made: _Made) -> InitResult:
    where = str(path) if path else masked_url(app.settings.database_url)
    if path is not None and database_schema(path) is None:
        made.folder(path.parent)
        made.files.append(path)
    state = _prepare_sqlite(path) if path else migrate.schema_state(app.db.engine)
    if state == "foreign":
        raise Refused(
            f"{where} is not a Redress database (it holds another application's tables): "
            "give Redress a new file or database of its own"
        )
    made.folder(Path(app.settings.data_dir))
    key = key_path(app.settings)
    if app.settings.integrity_key is None and not key.exists():
        made.files.append(key)
    install_key(app.settings, app.db.engine, create=True)
    totp_key = totp_key_path(app.settings)
    if app.settings.totp_key is None and not totp_key.exists():
        made.files.append(totp_key)
    install_totp_key(app.settings, app.db.engine, create=True)  # before the migrations: 0016 seals the secrets with it
    migrate.upgrade(app.db.engine)
    digest = loaded.spec.content_hash
    with app.db.unit_of_work() as session:
        row = session.scalars(select(WorkflowVersion).where(WorkflowVersion.content_hash == digest)).first()
        new = row is None
        if row is None:
            row = WorkflowVersion(content_hash=digest, name=loaded.spec.name, source=loaded.text, loaded_at=app.clock.now())
            session.add(row)
            session.flush()
        session.execute(update(WorkflowVersion).where(WorkflowVersion.id != row.id).values(current=False))
        row.current = True
    return InitResult(digest, loaded.spec.name, new)


def _prepare_sqlite(path: Path) -> migrate.Schema:
    """Make the file private to this user (0600, its folder 0700) before SQLite writes to it."""
    state = database_schema(path)
    if state is None:
        private_folder(path.parent)
        private_new_file(path)
        return "empty"
    if state != "foreign":
        os.chmod(path, 0o600)  # an older Redress made it world-readable; -wal and -shm copy this mode
    return state
