"""The incident log searched and filtered in SQL (category, stage, outcome, dates, staff concerned, poster), a page at
a time, and the same rows for a CSV export. The people filters (staff, poster) only ever match cases the viewer sees
in full: a log line alone must not tell who a case is about."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.orm import Session

from engine.context import Redress
from engine.queries.access import load_access
from engine.queries.views import IncidentLog, LogEntry
from engine.queries.visibility import _in_any, full_sight
from engine.rules.access import Sight, Viewer, case_sight
from store import Case, Party, Person

EXPORT_BATCH = 200


@dataclass(frozen=True)
class LogFilter:
    """What a reader of the log narrows it to; every part optional."""

    category: str | None = None
    stage: str | None = None
    outcome: str | None = None
    """An outcome as the workflow words it, or "open" for the cases not closed."""
    opened_from: date | None = None
    opened_to: date | None = None
    staff: str | None = None
    """The email of a member of staff concerned."""
    poster: str | None = None
    """Part of a poster's name, any case."""

    def described(self) -> str:
        """The filter as it was asked, for the export's audit record ("the whole log" without one)."""
        return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in self.__dict__.items() if v not in (None, "")) or "the whole log"


def _conditions(app: Redress, session: Session, viewer: Viewer, wanted: LogFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if wanted.category:
        where.append(_in_any(session, [wanted.category]))
    if wanted.stage:
        where.append(Case.stage == wanted.stage)
    if wanted.outcome == "open":
        where.append(Case.closed_at.is_(None))
    elif wanted.outcome:
        where.append(Case.outcome == wanted.outcome)
    if wanted.opened_from:
        where.append(Case.opened_at >= _start_of(app, wanted.opened_from))
    if wanted.opened_to:
        where.append(Case.opened_at < _start_of(app, wanted.opened_to + timedelta(days=1)))
    if wanted.staff or wanted.poster:
        seen = full_sight(app, session, viewer)
        where.append(true() if seen is None else seen)
    if wanted.staff:
        staff = (
            select(Party.case_id)
            .join(Person, Person.id == Party.person_id)
            .where(Party.kind == "staff", Person.email == wanted.staff.strip().lower())
        )
        where.append(Case.id.in_(staff))
    if wanted.poster:
        needle = f"%{wanted.poster.strip().lower()}%"
        posters = select(Party.case_id).where(Party.kind == "poster", func.lower(Party.name).like(needle))
        where.append(Case.id.in_(posters) if wanted.poster.strip() else false())
    return where


def _start_of(app: Redress, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=app.zone)


def _entries(app: Redress, session: Session, viewer: Viewer, rows: list[Any]) -> list[LogEntry]:
    access = load_access(session, [row.id for row in rows])
    entries = []
    for row in rows:
        spec = app.compiled(row.workflow_id).spec
        sight = case_sight(viewer, access[row.id], spec)
        if sight < Sight.LOG:  # never for the log's readers, who see every case at least as a line
            continue
        entries.append(
            LogEntry(
                row.id,
                row.opened_at,
                tuple(row.categories),
                tuple(spec.categories[c].label for c in row.categories if c in spec.categories),
                row.stage,
                spec.stages[row.stage].title if row.stage in spec.stages else row.stage,
                row.closed_at is not None,
                row.outcome,
                row.summary if sight is Sight.FULL else None,
                sight is Sight.FULL,
            )
        )
    return entries


def search_log(app: Redress, viewer: Viewer, wanted: LogFilter | None = None, *, offset: int = 0, limit: int = 50) -> IncidentLog:
    """One page of the incident log, newest first, narrowed by `wanted`; the total counts the filtered log."""
    wanted = wanted or LogFilter()
    offset, limit = max(0, offset), max(1, min(limit, 200))
    with app.db.reading() as session:
        where = _conditions(app, session, viewer, wanted)
        total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
        query = (
            select(
                Case.id, Case.opened_at, Case.categories, Case.stage, Case.workflow_id, Case.closed_at, Case.outcome, Case.summary
            )
            .where(*where)
            .order_by(Case.opened_at.desc(), Case.id.desc())
        )
        rows = list(session.execute(query.offset(offset).limit(limit)))
        return IncidentLog(tuple(_entries(app, session, viewer, rows)), total, offset, limit)


def log_for_export(app: Redress, viewer: Viewer, wanted: LogFilter) -> Iterator[LogEntry]:
    """Every line of the filtered log, newest first, read in batches (a school's whole history stays in bounded memory)."""
    offset = 0
    while True:
        page = search_log(app, viewer, wanted, offset=offset, limit=EXPORT_BATCH)
        yield from page.items
        offset += page.limit
        if offset >= page.total or not page.items:
            return
