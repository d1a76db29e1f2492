"""Memory across cases: link a case to others (the same poster posting again, the same thread), and the date
a post was first published, which starts the defamation limitation and its reminder.

Each public function is one unit of work; every change is an event on the trail of each case it touches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from engine.commands.cases import Actor, load_case, resolve_actor
from engine.commands.limitation import schedule_limitation
from engine.context import Redress
from engine.errors import BadInput, NotAllowed, Refused
from engine.queries.access import load_access
from engine.rules import inputs
from engine.rules import links as rules
from engine.rules.access import Power, Sight, Viewer, case_sight, only
from store import Case, CaseLink, audit, table_of

LINKED = "linked"
PUBLISHED = "first_published_corrected"
REASON_MAX = inputs.DESCRIPTION_MAX
_links = table_of(CaseLink)


@dataclass(frozen=True)
class LinkResult:
    case_id: int
    other_id: int
    basis: str


def link_cases(app: Redress, case_id: int, other_id: int, actor_email: str, reason: str, basis: str = "manual") -> LinkResult:
    """Link two cases, both ways, audited on both trails; refused for the same case, a link already made, or
    someone who may not keep records or does not see both cases in full."""
    reason = inputs.text(reason, "the reason", limit=REASON_MAX, required=True)
    if basis not in rules.BASES:
        raise BadInput(f"'{basis}' is not a reason to link cases: say {', '.join(rules.BASES)}")
    if case_id == other_id:
        raise Refused(f"case {case_id} cannot be linked to itself")
    now = app.clock.now()
    with app.db.unit_of_work() as session:
        first, second = sorted((case_id, other_id))  # lock in id order: two links at once never wait in a cycle
        found = {n: session.get(Case, n) for n in (first, second)}
        actor = resolve_actor(session, actor_email)
        _check_keeper(app, session, actor, tuple(n for n, c in found.items() if c is not None))
        cases = {n: c for n, c in found.items() if c is not None}
        for n in (case_id, other_id):
            if n not in cases:  # the same words as a case not seen in full: a number tells nobody what exists
                raise NotAllowed(f"there is no case {n} you may see in full")
        if session.scalar(select(CaseLink.id).where(CaseLink.case_id == case_id, CaseLink.other_id == other_id)):
            raise Refused(f"case {case_id} is already linked to case {other_id}")
        rows = [
            {"case_id": a, "other_id": b, "reason": reason, "basis": basis, "by": actor.label, "by_id": actor.id, "at": now}
            for a, b in ((case_id, other_id), (other_id, case_id))
        ]
        session.connection().execute(insert(_links), rows)
        for this, other in ((first, second), (second, first)):
            audit.append(
                session,
                this,
                at=now,
                actor=actor.label,
                actor_id=actor.id,
                kind=LINKED,
                stage_before=cases[this].stage,
                stage_after=cases[this].stage,
                data={"other": other, "reason": reason, "basis": basis},
            )
    return LinkResult(case_id, other_id, basis)


def _check_keeper(app: Redress, session: Session, actor: Actor, case_ids: tuple[int, ...]) -> None:
    spec = app.current_workflow(session).spec
    if actor.person is None:
        raise Refused("the system does not link cases")
    viewer = Viewer.of(spec, actor.person.id, actor.person.email, actor.person.name, actor.person.roles)
    if not viewer.can(Power.KEEP_RECORDS):
        raise Refused(f"{only(spec, Power.KEEP_RECORDS, 'link cases')}; {actor.label} may not")
    for case_id, access in sorted(load_access(session, case_ids).items()):
        if case_sight(viewer, access, app.compiled(access.workflow_id).spec) is not Sight.FULL:
            raise NotAllowed(f"there is no case {case_id} you may see in full")


def set_first_published(app: Redress, case_id: int, actor_email: str, on: date | None, reason: str) -> date | None:
    """Correct when what a case is about was first published (None: not known); the limitation reminder moves with it."""
    reason = inputs.text(reason, "the reason", limit=REASON_MAX, required=True)
    if on is not None:
        inputs.past_date(on, app.clock.now(), app.zone, "the date it was first published")
    now = app.clock.now()
    with app.db.unit_of_work() as session:
        case = load_case(session, case_id)
        actor = resolve_actor(session, actor_email)
        _check_keeper(app, session, actor, (case_id,))
        inputs.check_record_open(case.id, case.closed_at)
        before = case.first_published_on
        if before == on:
            raise Refused(f"case {case_id} already says {on.isoformat() if on else 'not known'}")
        session.connection().execute(update(table_of(Case)).where(table_of(Case).c.id == case_id).values(first_published_on=on))
        session.expire(case, ["first_published_on"])
        schedule_limitation(app, session, case, on, now)
        audit.remark(
            session,
            case,
            at=now,
            actor=actor.label,
            actor_id=actor.id,
            kind=PUBLISHED,
            data={
                "first_published_on": on.isoformat() if on else None,
                "before": before.isoformat() if before else None,
                "reason": reason,
            },
        )
    return on
