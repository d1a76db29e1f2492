"""Read-side views for a signed-in person: the dashboard, the incident log, a staff member's matters.

Every view is cut to what `engine.access` lets the viewer see; nothing here decides access itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.context import Redress
from engine.errors import NotFound
from engine.queries.access import load_access
from engine.queries.cases import list_cases
from engine.rules.access import CaseAccess, Power, Sight, Viewer, case_sight, holders
from store import AuditEvent, Case, Person, Timer

WEEK = timedelta(days=7)
RECENT = 10
DUE_SHOWN = 50


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def sights(app: Redress, session: Session, viewer: Viewer, case_ids: list[int] | None = None) -> dict[int, Sight]:
    """How much of each case (every case when `case_ids` is None) the viewer may see."""
    access = load_access(session, case_ids)
    return {case_id: case_sight(viewer, facts, app.compiled(facts.workflow_id).spec) for case_id, facts in access.items()}


def case_access(app: Redress, viewer: Viewer, case_id: int) -> tuple[CaseAccess, Sight]:
    """One case's access facts and the viewer's sight of it; NotFound when the case does not exist."""
    with app.db.reading() as session:
        facts = load_access(session, [case_id]).get(case_id)
    if facts is None:
        raise NotFound(f"there is no case {case_id}")
    return facts, case_sight(viewer, facts, app.compiled(facts.workflow_id).spec)


def _visible(seen: dict[int, Sight], at_least: Sight) -> set[int]:
    return {case_id for case_id, sight in seen.items() if sight >= at_least}


def _due_this_week(app: Redress, session: Session, ids: set[int], everything: bool, now: datetime) -> list[dict[str, Any]]:
    query = (select(Timer.case_id, Timer.deadline, Timer.kind, Timer.due_at).join(Case, Case.id == Timer.case_id)
             .where(Timer.status == "pending", Timer.due_at <= now + WEEK, Case.closed_at.is_(None))
             .order_by(Timer.due_at, Timer.id))
    if not everything:
        query = query.where(Timer.case_id.in_(sorted(ids)))
    return [{"case_id": t.case_id, "deadline": t.deadline, "kind": t.kind, "due_at": _iso(t.due_at),
             "due_local": app.local(t.due_at), "overdue": t.due_at <= now}
            for t in session.execute(query.limit(DUE_SHOWN))]


def _open_cases(app: Redress, session: Session, ids: set[int], now: datetime) -> list[dict[str, Any]]:
    """The open cases among `ids`, as `list_cases` summarises them, read without the workflow texts."""
    next_due = (select(Timer.case_id, func.min(Timer.due_at).label("due"))
                .where(Timer.status == "pending").group_by(Timer.case_id).subquery())
    query = (select(Case.id, Case.workflow_id, Case.stage, Case.categories, Case.summary, Case.opened_at, Case.version,
                    next_due.c.due).outerjoin(next_due, next_due.c.case_id == Case.id)
             .where(Case.closed_at.is_(None)).order_by(Case.id))
    rows = []
    for row in session.execute(query):
        if row.id in ids:
            stage = app.compiled(row.workflow_id).spec.stages[row.stage]
            rows.append({"id": row.id, "stage": row.stage, "stage_title": stage.title, "categories": list(row.categories),
                         "summary": row.summary, "opened_at": _iso(row.opened_at), "closed_at": None, "outcome": None,
                         "next_due": _iso(row.due), "overdue": bool(row.due and row.due <= now), "version": row.version})
    return rows


def _recent(app: Redress, session: Session, ids: set[int], everything: bool) -> list[dict[str, Any]]:
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(RECENT)
    if not everything:
        query = query.where(AuditEvent.case_id.in_(sorted(ids)))
    return [{"case_id": e.case_id, "at": _iso(e.at), "at_local": app.local(e.at), "actor": e.actor, "kind": e.kind,
             "action": e.action, "stage_after": e.stage_after} for e in session.scalars(query)]


def dashboard(app: Redress, viewer: Viewer) -> dict[str, Any]:
    """Open cases the viewer sees in full (overdue first), what falls due within a week, recent activity,
    and the matters about the viewer."""
    now = app.clock.now()
    with app.db.reading() as session:
        seen = sights(app, session, viewer)
        full = _visible(seen, Sight.FULL)
        everything = len(full) == len(seen)
        due = _due_this_week(app, session, full, everything, now) if full else []
        recent = _recent(app, session, full, everything) if full else []
        cases = _open_cases(app, session, full, now) if full else []
    cases.sort(key=lambda c: (not c["overdue"], c["next_due"] or "9999", c["id"]))
    matters = [matter_view(app, case_id) for case_id, sight in sorted(seen.items()) if sight is Sight.MATTER]
    return {"cases": cases, "due_this_week": due, "recent": recent, "matters": matters}


def visible_cases(app: Redress, viewer: Viewer, *, status: str | None = None) -> list[dict[str, Any]]:
    """The case summaries (as `list_cases` gives them) of every case the viewer sees in full."""
    with app.db.reading() as session:
        full = _visible(sights(app, session, viewer), Sight.FULL)
    return [c for c in list_cases(app, status=status) if c["id"] in full]


def incident_log(app: Redress, viewer: Viewer) -> list[dict[str, Any]]:
    """Every case the viewer may see at least as a log line: date, categories, stage; the summary only
    of the cases they see in full."""
    with app.db.reading() as session:
        seen = sights(app, session, viewer)
        rows = list(session.execute(select(Case.id, Case.opened_at, Case.categories, Case.stage, Case.workflow_id,
                                           Case.closed_at, Case.outcome, Case.summary).order_by(Case.opened_at.desc(), Case.id.desc())))
    log = []
    for row in rows:
        sight = seen.get(row.id, Sight.NONE)
        if sight < Sight.LOG:
            continue
        spec = app.compiled(row.workflow_id).spec
        log.append({
            "id": row.id, "opened_at": _iso(row.opened_at), "opened_local": app.local(row.opened_at),
            "categories": list(row.categories),
            "category_labels": [spec.categories[c].label for c in row.categories if c in spec.categories],
            "stage": row.stage, "stage_title": spec.stages[row.stage].title, "closed": row.closed_at is not None,
            "outcome": row.outcome, "summary": row.summary if sight is Sight.FULL else None,
            "full": sight is Sight.FULL,
        })
    return log


def matter_view(app: Redress, case_id: int) -> dict[str, Any]:
    """What the staff member concerned is told: that the matter is being dealt with, and by whom."""
    with app.db.reading() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"there is no case {case_id}")
        spec = app.compiled(case.workflow_id).spec
        facts = load_access(session, [case_id])[case_id]
        roles = holders(app.current_workflow(session).spec, Power.SEE_EVERY_CASE) | {r for s in facts.stages_reached if s in spec.stages for r in spec.stages[s].visible_to}
        people = session.scalars(select(Person).where(Person.active.is_(True)).order_by(Person.name))
        by = [{"name": p.name, "role": spec.roles[r].label if r in spec.roles else r}
              for p in people for r in p.roles if r in roles]
        return {"id": case.id, "opened_on": case.opened_at.astimezone(app.zone).date().isoformat(),
                "closed": case.closed_at is not None,
                "closed_on": case.closed_at.astimezone(app.zone).date().isoformat() if case.closed_at else None,
                "dealt_with_by": by}

