"""Read-side views for a signed-in person: the dashboard, their case list, the incident log, the matters
about them, the outbox.

Every list is paged and filtered by the database (`engine.queries.visibility` puts the access rule into
SQL), so a page costs the same after years of cases; nothing here decides access itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import False_

from engine.context import Redress
from engine.errors import NotFound
from engine.queries.access import load_access
from engine.queries.cases import SUMMARY_COLUMNS, next_due_subquery, summary_of, takeable
from engine.queries.log import search_log
from engine.queries.page import matter_of
from engine.queries.reports import reports_of
from engine.queries.views import (
    Activity,
    CaseList,
    Dashboard,
    DueItem,
    IncidentLog,
    IntegrityStatus,
    MatterView,
    ToDoItem,
)
from engine.queries.visibility import full_sight
from engine.rules.access import CaseAccess, Power, Sight, Viewer, case_sight, holders
from store import AuditEvent, Case, CaseTrack, Evidence, Meeting, Party, Person, Timer, VerificationRun
from workflows import GUARDS, CaseFacts

WEEK = timedelta(days=7)
RECENT = 10
DUE_SHOWN = 50
MATTERS_SHOWN = 50
"""The newest matters about the viewer the dashboard lists; it says how many there are in all."""
PAGE = 50
"""The default page size of every list; a caller may ask for up to MAX_PAGE."""
MAX_PAGE = 200


def _page(offset: int, limit: int) -> tuple[int, int]:
    return max(offset, 0), min(max(limit, 1), MAX_PAGE)


def _where(seen: ColumnElement[bool] | None, *more: ColumnElement[bool]) -> ColumnElement[bool]:
    return and_(true() if seen is None else seen, *more)


def _summaries(seen: ColumnElement[bool] | None, *more: ColumnElement[bool]) -> tuple[Select[Any], Any]:
    next_due = next_due_subquery()
    query = select(*SUMMARY_COLUMNS, next_due.c.due).outerjoin(next_due, next_due.c.case_id == Case.id).where(_where(seen, *more))
    return query, next_due


def dashboard(app: Redress, viewer: Viewer, *, offset: int = 0, limit: int = PAGE) -> Dashboard:
    """One page of the open cases the viewer sees in full, soonest due first (so the overdue lead), with how
    many there are and how many are overdue; what falls due within a week; recent activity; the matters
    about the viewer. A fixed number of queries, each limited by the database."""
    offset, limit = _page(offset, limit)
    now = app.clock.now()
    with app.db.reading() as session:
        seen = full_sight(app, session, viewer)
        matters, matters_total = _matters(app, session, viewer, seen)
        if isinstance(seen, False_):  # no case in full (a member of staff): no query over the cases at all
            reports = reports_of(app, session, viewer.id)
            return Dashboard((), 0, 0, offset, limit, (), (), matters, (), reports, None, (), matters_total)
        is_open = Case.closed_at.is_(None)
        next_due = next_due_subquery()
        # The page's ids and both counts in one narrow pass over the open cases the viewer sees (window
        # functions): the sight condition is evaluated once per open case, not for the page and again for the
        # counts; then the page's own rows, by id.
        overdue = case((next_due.c.due <= now, 1))
        ranked = session.execute(
            select(Case.id, next_due.c.due, func.count().over().label("open_total"), func.count(overdue).over().label("late"))
            .outerjoin(next_due, next_due.c.case_id == Case.id)
            .where(_where(seen, is_open))
            .order_by(next_due.c.due.asc().nulls_last(), Case.id)
            .offset(offset)
            .limit(limit)
        ).all()
        if ranked:
            counts = (ranked[0].open_total, ranked[0].late)
            rows = {row.id: row for row in session.execute(select(*SUMMARY_COLUMNS).where(Case.id.in_([r.id for r in ranked])))}
            cases = tuple(summary_of(app, rows[r.id], r.due, now) for r in ranked)
        else:  # no open case, or a page past the end: the counts alone
            cases = ()
            counts = session.execute(
                select(func.count(), func.count(overdue))
                .select_from(Case)
                .outerjoin(next_due, next_due.c.case_id == Case.id)
                .where(_where(seen, is_open))
            ).one()
        mine = Case.id.in_(select(Case.id).where(Case.owner_id == viewer.id))  # from ix_cases_owner_id, first
        owned_query, owned_due = _summaries(seen, is_open, mine)
        owned_rows = session.execute(owned_query.order_by(owned_due.c.due.asc().nulls_last(), Case.id).limit(PAGE))
        owned = tuple(summary_of(app, row, row.due, now) for row in owned_rows)
        return Dashboard(
            cases,
            counts[0],
            counts[1],
            offset,
            limit,
            _due_this_week(session, seen, now),
            _recent(session, seen),
            matters,
            owned,
            reports_of(app, session, viewer.id),
            _integrity(session, viewer),
            _to_do(app, session, viewer, seen, now),
            matters_total,
        )


def _to_do(
    app: Redress, session: Session, viewer: Viewer, seen: ColumnElement[bool] | None, now: datetime
) -> tuple[ToDoItem, ...]:
    """The open cases the viewer sees in full whose next step (the primary action their stage or a running
    track offers) the viewer may take, by the case page's own rule (`takeable`), oldest deadline first.
    Two queries, whatever the history: one over the open cases (with what the guards read: evidence kept,
    meetings held, the answers so far, whether the viewer is staff concerned), one over their tracks."""
    next_due = next_due_subquery()
    kept = (
        select(func.count())
        .select_from(Evidence)
        .where(Evidence.case_id == Case.id, Evidence.withdrawn_at.is_(None), Evidence.erased_at.is_(None))
        .correlate(Case)
        .scalar_subquery()
    )
    held = select(func.count()).select_from(Meeting).where(Meeting.case_id == Case.id).correlate(Case).scalar_subquery()
    concerned = exists().where(Party.case_id == Case.id, Party.kind == "staff", Party.person_id == viewer.id)
    query = (
        select(
            Case.id,
            Case.workflow_id,
            Case.stage,
            Case.categories,
            Case.summary,
            Case.opened_by_id,
            Case.facts,
            next_due.c.due,
            kept.label("kept"),
            held.label("held"),
            concerned.label("concerned"),
        )
        .outerjoin(next_due, next_due.c.case_id == Case.id)
        .where(_where(seen, Case.closed_at.is_(None)))
        .order_by(next_due.c.due.asc().nulls_last(), Case.id)
    )
    rows = list(session.execute(query))
    tracks: dict[int, dict[str, tuple[str, bool]]] = {}  # read even for no rows: the same two queries always
    for t in session.execute(
        select(CaseTrack.case_id, CaseTrack.track, CaseTrack.stage, CaseTrack.finished_at).where(
            CaseTrack.case_id.in_([r.id for r in rows])
        )
    ):
        tracks.setdefault(t.case_id, {})[t.track] = (t.stage, t.finished_at is None)
    items = []
    for row in rows:
        spec = app.compiled(row.workflow_id).spec
        started = tracks.get(row.id, {})
        running = {name: stage for name, (stage, on) in started.items() if on}
        access = CaseAccess(
            row.id,
            row.workflow_id,
            row.opened_by_id,
            frozenset({viewer.id} if row.concerned else ()),
            tuple(row.categories),
            frozenset({row.stage}),
        )
        facts = CaseFacts(
            row.stage,
            tuple(row.categories),
            row.kept,
            row.held,
            dict(row.facts),
            {name: stage for name, (stage, _) in started.items()},
        )
        for offer in takeable(spec, row.stage, running, viewer, access):
            if not getattr(offer.action, "primary", False):
                continue
            waiting = tuple(GUARDS[g].refusal for g in offer.action.guards if not GUARDS[g].holds(facts))
            items.append(
                ToDoItem(
                    row.id,
                    row.summary,
                    spec.stages[row.stage].title,
                    offer.name,
                    offer.action.title,
                    row.due,
                    bool(row.due and row.due <= now),
                    waiting,
                )
            )
    return tuple(items)


def _integrity(session: Session, viewer: Viewer) -> IntegrityStatus | None:
    """The latest stored `redress verify` run and when the record last verified, for those who see every case
    (None for anyone else, or before any run): at most two indexed reads (ix_verifications_at)."""
    if not viewer.can(Power.SEE_EVERY_CASE):
        return None
    newest = (VerificationRun.at.desc(), VerificationRun.id.desc())
    latest = session.execute(
        select(VerificationRun.at, VerificationRun.ok, VerificationRun.problems).order_by(*newest).limit(1)
    ).first()
    if latest is None:
        return None
    last_ok = (
        latest.at
        if latest.ok
        else session.scalar(select(VerificationRun.at).where(VerificationRun.ok.is_(True)).order_by(*newest).limit(1))
    )
    return IntegrityStatus(latest.at, latest.ok, tuple(latest.problems or ()), last_ok)


def _due_this_week(session: Session, seen: ColumnElement[bool] | None, now: datetime) -> tuple[DueItem, ...]:
    # From the pending deadlines in due order (ix_timers_fired), each checked against its case by a correlated
    # EXISTS: never a pass over every open case, whatever statistics the planner has.
    in_sight = select(Case.id).where(Case.id == Timer.case_id, _where(seen, Case.closed_at.is_(None))).exists()
    query = (
        select(Timer.case_id, Timer.deadline, Timer.kind, Timer.due_at)
        .where(Timer.status == "pending", Timer.due_at <= now + WEEK, in_sight)
        .order_by(Timer.due_at, Timer.id)
        .limit(DUE_SHOWN)
    )
    return tuple(DueItem(t.case_id, t.deadline, t.kind, t.due_at, t.due_at <= now) for t in session.execute(query))


def _recent(session: Session, seen: ColumnElement[bool] | None) -> tuple[Activity, ...]:
    query = select(
        AuditEvent.case_id, AuditEvent.at, AuditEvent.actor, AuditEvent.kind, AuditEvent.action, AuditEvent.stage_after
    )
    if seen is not None:
        # A correlated EXISTS, not a join: the newest events are read from ix_audit_at until RECENT are in sight,
        # and SQLite's planner, given statistics, would otherwise build a Bloom filter over every case first.
        query = query.where(select(Case.id).where(Case.id == AuditEvent.case_id, seen).exists())
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(RECENT)
    return tuple(Activity(e.case_id, e.at, e.actor, e.kind, e.action, e.stage_after) for e in session.execute(query))


def _matters(
    app: Redress, session: Session, viewer: Viewer, seen: ColumnElement[bool] | None
) -> tuple[tuple[MatterView, ...], int]:
    """The newest MATTERS_SHOWN cases about the viewer that they may know of only as a matter (the member of
    staff concerned, without full sight), oldest first, and how many there are: the cases come from the
    index ix_parties_person, the sight from `seen` in SQL, so the cost is the page's, not the history's.
    The rule itself then decides on the page's cases (it and `seen` agree: a test compares them)."""
    if seen is None:
        return (), 0  # the viewer sees every case in full: none is only a matter to them
    concerned = select(Party.case_id).where(Party.person_id == viewer.id, Party.kind == "staff")
    if not isinstance(seen, False_):  # else every case they are concerned in is only a matter to them
        concerned = concerned.join(Case, Case.id == Party.case_id).where(case((seen, 1), else_=0) == 0)
    rows = concerned.subquery()
    total = int(session.scalar(select(func.count(rows.c.case_id.distinct()))) or 0)
    if not total:
        return (), 0
    ids = list(session.scalars(concerned.distinct().order_by(Party.case_id.desc()).limit(MATTERS_SHOWN)))
    access = load_access(session, ids)
    matters = [
        facts for facts in access.values() if case_sight(viewer, facts, app.compiled(facts.workflow_id).spec) is Sight.MATTER
    ]
    if not matters:
        return (), total
    people = list(session.scalars(select(Person).where(Person.active.is_(True)).order_by(Person.name)))
    see_every = holders(app.current_workflow(session).spec, Power.SEE_EVERY_CASE)
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_([m.id for m in matters])))}
    return tuple(matter_of(app, session, cases[m.id], m, people, see_every) for m in sorted(matters, key=lambda m: m.id)), total


def visible_cases(app: Redress, viewer: Viewer, *, status: str | None = None, offset: int = 0, limit: int = PAGE) -> CaseList:
    """One page of the cases the viewer sees in full, oldest first, and how many there are."""
    offset, limit = _page(offset, limit)
    now = app.clock.now()
    with app.db.reading() as session:
        seen = full_sight(app, session, viewer)
        more = [Case.closed_at.is_(None)] if status == "open" else [Case.closed_at.is_not(None)] if status == "closed" else []
        query, _ = _summaries(seen, *more)
        rows = session.execute(query.order_by(Case.id).offset(offset).limit(limit))
        items = tuple(summary_of(app, row, row.due, now) for row in rows)
        total = session.scalar(select(func.count()).select_from(Case).where(_where(seen, *more))) or 0
        return CaseList(items, total, offset, limit)


def incident_log(app: Redress, viewer: Viewer, *, offset: int = 0, limit: int = PAGE) -> IncidentLog:
    """One page of the incident log, newest first, unfiltered: the API's reader, the same one the log page
    uses with its filters (`engine.queries.log.search_log`), so the two never tell the log differently."""
    offset, limit = _page(offset, limit)
    return search_log(app, viewer, offset=offset, limit=limit)


def matter_view(app: Redress, case_id: int) -> MatterView:
    """What the staff member concerned is told: that the matter is being dealt with, and by whom."""
    with app.db.reading() as session:
        found = session.get(Case, case_id)
        if found is None:
            raise NotFound(f"there is no case {case_id}")
        return matter_of(app, session, found, load_access(session, [case_id])[case_id])
