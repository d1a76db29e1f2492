"""`redress init`: create or upgrade the database and load workflows.yaml as the current version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update

import workflows
from engine.context import Redress
from store import WorkflowVersion, migrate


@dataclass(frozen=True)
class InitResult:
    content_hash: str
    name: str
    new_version: bool


def init(app: Redress, workflow_file: Path | None = None) -> InitResult:
    """Idempotent: the schema is upgraded, and the workflow file becomes the current version."""
    database = app.db.engine.url.database
    if app.db.dialect == "sqlite" and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(app.db.engine)
    loaded = workflows.load(workflow_file or Path(app.settings.workflow), app.renderer.names())
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
