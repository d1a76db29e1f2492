"""Read-side views of cases, as plain data: what `case list`, `case show` and `case audit` print.

The shapes here are the documented `--json` output; add keys, never rename them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from engine.commands import tracks
from engine.commands.cases import Actor, case_facts, load_case
from engine.commands.deadlines import waiting
from engine.context import Redress
from engine.queries.tracks import track_views
from engine.rules.tracks import offered
from store import AuditEvent, Case, Evidence, Meeting, Note, Person, Timer, audit
from workflows import GUARDS, SYSTEM


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def list_cases(app: Redress, *, stage: str | None = None, status: str | None = None, overdue: bool = False) -> list[dict[str, Any]]:
    now = app.clock.now()
    next_due = (
        select(Timer.case_id, func.min(Timer.due_at).label("due"))
        .where(Timer.status == "pending").group_by(Timer.case_id).subquery()
    )
    query = select(Case, next_due.c.due).outerjoin(next_due, next_due.c.case_id == Case.id).order_by(Case.id)
    if stage:
        query = query.where(Case.stage == stage)
    if status == "open":
        query = query.where(Case.closed_at.is_(None))
    elif status == "closed":
        query = query.where(Case.closed_at.is_not(None))
    if overdue:
        query = query.where(exists().where(and_(Timer.case_id == Case.id, Timer.status == "pending", Timer.due_at <= now)))
    with app.db.reading() as session:
        rows = session.execute(query).all()
        return [_summary(app, case, due, now) for case, due in rows]


def _summary(app: Redress, case: Case, due: datetime | None, now: datetime) -> dict[str, Any]:
    spec = app.compiled(case.workflow_id).spec
    return {
        "id": case.id,
        "stage": case.stage,
        "stage_title": spec.stages[case.stage].title,
        "categories": list(case.categories),
        "summary": case.summary,
        "opened_at": _iso(case.opened_at),
        "closed_at": _iso(case.closed_at),
        "outcome": case.outcome,
        "next_due": _iso(due),
        "overdue": bool(due and due <= now),
        "version": case.version,
    }


def show_case(app: Redress, case_id: int, viewer_email: str | None = None) -> dict[str, Any]:
    now = app.clock.now()
    with app.db.reading() as session:
        case = load_case(session, case_id)
        spec = app.compiled(case.workflow_id).spec
        view = _summary(app, case, None, now)
        view.update({
            "workflow_version": spec.content_hash,
            "platform": case.platform,
            "link": case.link,
            "seen_at": _iso(case.seen_at),
            "opened_by": case.opened_by.email,
            "staff_concerned": [p.person.email for p in case.parties if p.kind == "staff" and p.person],
            "pupils": [p.reference for p in case.parties if p.kind == "pupil"],
            "posters": [{"name": p.name, "contact": p.contact} for p in case.parties if p.kind == "poster"],
            "facts": dict(case.facts),
            "evidence": _evidence(session, case.id),
            "notes": _notes(session, case.id),
            "meetings": _meetings(session, case.id),
            "deadlines": [{"name": t.deadline, "kind": t.kind, "due_at": _iso(t.due_at), "track": t.track,
                           "paused": t.status == "paused", "overdue": t.status == "pending" and t.due_at <= now}
                          for t in waiting(session, case.id)],
        })
        view.update(track_views(app, spec, case, tracks.load(session, case.id)))
        view["overdue"] = any(d["overdue"] for d in view["deadlines"])
        view["actions"] = _available_actions(app, session, case, viewer_email) if viewer_email else []
        return view


def _names(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    found: dict[int | None, str] = {p.id: p.email for p in session.scalars(select(Person).where(Person.id.in_([i for i in ids if i])))}
    found[None] = SYSTEM
    return found


def _evidence(session: Session, case_id: int) -> list[dict[str, Any]]:
    rows = list(session.scalars(select(Evidence).where(Evidence.case_id == case_id).order_by(Evidence.id)))
    who = _names(session, {r.added_by_id for r in rows})
    return [{"id": e.id, "kind": e.kind, "sha256": e.sha256, "size": e.size, "name": e.original_name,
             "media_type": e.media_type, "url": e.url, "captured_at": _iso(e.captured_at), "description": e.description,
             "added_by": who[e.added_by_id], "added_at": _iso(e.added_at)} for e in rows]


def _notes(session: Session, case_id: int) -> list[dict[str, Any]]:
    rows = list(session.scalars(select(Note).where(Note.case_id == case_id).order_by(Note.id)))
    who = _names(session, {r.author_id for r in rows})
    return [{"id": n.id, "author": who[n.author_id], "text": n.text, "created_at": _iso(n.created_at)} for n in rows]


def _meetings(session: Session, case_id: int) -> list[dict[str, Any]]:
    rows = list(session.scalars(select(Meeting).where(Meeting.case_id == case_id).order_by(Meeting.id)))
    who = _names(session, {r.recorded_by_id for r in rows})
    return [{"id": m.id, "held_on": m.held_on.isoformat(), "attendees": m.attendees, "notes": m.notes,
             "recorded_by": who[m.recorded_by_id]} for m in rows]


def _available_actions(app: Redress, session: Session, case: Case, viewer_email: str) -> list[dict[str, Any]]:
    """The actions this person may take now, each with what still blocks it (guards)."""
    if case.closed_at is not None:
        return []
    person = session.scalars(select(Person).where(Person.email == viewer_email.strip().lower())).first()
    if person is None or not person.active:
        return []
    spec = app.compiled(case.workflow_id).spec
    roles = Actor(person).roles(case)
    facts = case_facts(session, case)
    result = []
    for offer in offered(spec, case.stage, tracks.running(tracks.load(session, case.id))):
        action = offer.action
        if not set(action.roles) & roles:
            continue
        result.append({
            "name": offer.name, "title": action.title, "to": getattr(action, "to", None) or spec.tracks[offer.procedure].initial_stage,
            "procedure": offer.procedure, "starts_track": offer.track if offer.starts else None,
            "fields": {k: {"label": f.label, "type": f.type.value, "required": f.required, "choices": list(f.choices)}
                       for k, f in action.fields.items()},
            "blocked_by": [GUARDS[g].refusal for g in action.guards if not GUARDS[g].holds(facts)],
        })
    return result


def audit_trail(app: Redress, case_id: int) -> list[dict[str, Any]]:
    with app.db.reading() as session:
        load_case(session, case_id)
        return [_event(app, e) for e in audit.events(session, case_id)]


def _event(app: Redress, event: AuditEvent) -> dict[str, Any]:
    return {"seq": event.seq, "at": _iso(event.at), "at_local": app.local(event.at), "actor": event.actor,
            "kind": event.kind, "action": event.action, "stage_before": event.stage_before,
            "stage_after": event.stage_after, "data": event.data, "hash": event.hash}


def verify_trail(app: Redress, case_id: int) -> audit.Verification:
    with app.db.reading() as session:
        load_case(session, case_id)
        return audit.verify(session, case_id)
