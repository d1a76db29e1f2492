"""The one place that wires the concrete pieces: settings, database, clock, calendar, templates.

Nothing here runs at import time; an entry point calls `open_app()` once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

import workflows
from engine.errors import BadInput, NotFound
from engine.integrity_key import install_key
from engine.rules.clock import Clock, SystemClock
from engine.settings import Settings, load_settings
from engine.settings_values import masked_url
from engine.spec_cache import spec_of
from engine.totp_key import install_totp_key
from store import Database, WorkflowVersion, core_rows, table_of
from store.migrate import Schema, schema_state, sqlite_file, sqlite_schema

if TYPE_CHECKING:
    from transitions import Machine

    from engine.rules.school_days import SchoolCalendar
    from notifications.render import TemplateRenderer


@dataclass(frozen=True)
class Compiled:
    """A workflow version ready to run: its row id, spec and machines (one per procedure of the version).

    The machines are built on first use: a read (`redress case show`, a page) needs the spec alone, and
    building them is a third of the cost of loading a version. `Redress.warm` builds them up front."""

    id: int
    spec: workflows.Workflow

    @cached_property
    def machine(self) -> Machine:
        """The main procedure's machine."""
        return workflows.build_machine(self.spec)

    @cached_property
    def track_machines(self) -> dict[str, Machine]:
        """One machine per track (docs/workflow-language.md, "Why one `transitions` machine per track")."""
        return workflows.build_track_machines(self.spec)


CURRENT_VERSION = "current_workflow_version"
"""The session.info key of the current workflow version's id, as the session first read it."""
_versions = table_of(WorkflowVersion)
_CURRENT_ID = select(_versions.c.id).where(_versions.c.current.is_(True))
"""Built once: every command that notifies asks it once per transaction."""


@dataclass
class Redress:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    _compiled: dict[int, Compiled] = field(default_factory=dict)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @cached_property
    def calendar(self) -> SchoolCalendar:
        from engine.rules.school_days import SchoolCalendar

        return SchoolCalendar.from_settings(self.settings)

    @cached_property
    def renderer(self) -> TemplateRenderer:
        from notifications.render import TemplateRenderer

        override = Path(self.settings.templates_dir) if self.settings.templates_dir else None
        return TemplateRenderer(override)

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.data_dir)

    def local(self, at: datetime | None) -> str:
        """A time as the school reads it: in its own zone."""
        return at.astimezone(self.zone).strftime("%a %d %b %Y %H:%M") if at else ""

    @cached_property
    def mail_domain(self) -> str:
        address = parseaddr(self.settings.smtp_from)[1]
        return address.rpartition("@")[2] or "localhost"

    def compiled(self, version_id: int, source: str | None = None) -> Compiled:
        """The spec and machines of a stored workflow version, parsed once per process (and its validated spec
        kept between processes: engine/spec_cache.py)."""
        if version_id not in self._compiled:
            if source is None:
                with self.db.reading() as session:  # Core: a read needs no ORM mapper set up (`case show`)
                    found = session.execute(select(_versions.c.source).where(_versions.c.id == version_id)).scalar()
                    if found is None:
                        raise NotFound(f"workflow version {version_id} does not exist")
                    source = found
            # A stored version was checked when it was stored; reading it again must not fail because
            # today's checks ask more (a version stored before `permissions:` existed still loads).
            text = source
            spec = spec_of(self.settings, text, lambda: workflows.read_text(text, f"workflow version {version_id}").spec)
            self._compiled[version_id] = Compiled(version_id, spec)
        return self._compiled[version_id]

    def warm(self) -> None:
        """Parse every stored workflow version and build its machines now, at start-up, so no request or
        deadline parses YAML midway (the web app and the worker). A one-shot command does not warm: it parses
        the versions it reads, when it reads them. Before `redress init` there is nothing to parse (and maybe
        no tables yet): that is not an error."""
        try:
            with self.db.reading() as session:
                rows = list(session.execute(select(WorkflowVersion.id, WorkflowVersion.source)))
        except DBAPIError:
            return
        for version_id, source in rows:
            compiled = self.compiled(version_id, source)
            _ = compiled.machine, compiled.track_machines

    def current_workflow(self, session: Session | None = None) -> Compiled:
        """The workflow version new cases start on; its `permissions:` are the powers in force today.
        Read in `session` when given, so a command's checks see the same snapshot as its work."""
        if session is None:
            with self.db.reading() as own:
                return self.current_workflow(own)
        version_id = session.info.get(CURRENT_VERSION)
        if version_id is None:  # read once per session: a command's checks all see the one version
            version_id = core_rows(session, _CURRENT_ID).scalar()
            session.info[CURRENT_VERSION] = version_id
        if version_id is None:
            raise NotFound("no workflow is loaded: run 'redress init' first")
        if version_id not in self._compiled:
            source = core_rows(session, select(_versions.c.source).where(_versions.c.id == version_id)).scalar_one()
            return self.compiled(version_id, source)
        return self._compiled[version_id]

    def close(self) -> None:
        self.db.dispose()


def open_app(
    settings: Settings | None = None, *, clock: Clock | None = None, existing: bool = False, **overrides: Any
) -> Redress:
    """The wired app. With `existing`, refuse (creating nothing) unless the database is Redress's own."""
    settings = settings or load_settings()
    if overrides:
        settings = settings.model_copy(update=overrides)
    path = sqlite_file(settings.database_url)
    if existing and path is not None:
        _require(database_schema(path), str(path))  # before connecting: connecting would create the file
    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous.upper())
    install_key(settings, db.engine)
    install_totp_key(settings, db.engine)
    if existing and path is None:
        try:
            _require(schema_state(db.engine), masked_url(settings.database_url))
        except BaseException:
            db.dispose()
            raise
    return Redress(settings, db, clock or SystemClock())


def database_schema(path: Path) -> Schema | None:
    """What the SQLite file at `path` holds; None when there is no file; BadInput when it is a folder."""
    if path.is_dir():
        raise BadInput(f"database_url names {path}, which is a folder: name a file such as {path / 'redress.db'}")
    if not path.exists():
        return None
    return sqlite_schema(path)


def _require(state: Schema | None, where: str) -> None:
    if state is None or state == "empty":
        raise NotFound(f"no Redress database at {where}: run 'redress init' first")
    if state == "foreign":
        raise BadInput(
            f"{where} is not a Redress database (it holds another application's tables): "
            "point database_url at Redress's own database"
        )
