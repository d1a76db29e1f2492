"""Delegation: give a case to one person to carry day to day (its owner), with an event on its audit trail.

Those who see every case assign it; the owner must be active and see the case in full. The owner is told
of the case's reminders as well as the roles the workflow names (engine.worker.firing)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.commands.cases import _translate_conflicts, load_case, resolve_actor
from engine.commands.people import person_by_email
from engine.context import Redress
from engine.errors import NotAllowed, Refused
from engine.queries.access import access_of
from engine.rules.access import Power, Sight, Viewer, case_sight, may_assign_owner, only
from store import Case, Person, audit


def sees_in_full(app: Redress, session: Session, case: Case, person: Person) -> bool:
    """Whether `person` (active) sees `case` in full under the current workflow's powers."""
    viewer = Viewer.of(app.current_workflow(session).spec, person.id, person.email, person.name, person.roles)
    return case_sight(viewer, access_of(session, case), app.compiled(case.workflow_id).spec) is Sight.FULL


def assign_owner(app: Redress, case_id: int, actor: str, owner_email: str) -> str:
    """Make the person with `owner_email` the owner of case `case_id`; returns their name."""
    with _translate_conflicts(app, case_id), app.db.unit_of_work() as session:
        case = load_case(session, case_id)
        acting = resolve_actor(session, actor)
        spec = app.current_workflow(session).spec
        if acting.person is None or not may_assign_owner(
            Viewer.of(spec, acting.person.id, acting.label, acting.name, acting.person.roles)
        ):
            raise NotAllowed(only(spec, Power.SEE_EVERY_CASE, "give a case an owner"))
        if case.closed_at is not None:
            raise Refused(f"case {case_id} is closed: it needs no owner now")
        owner = person_by_email(session, owner_email)
        if not sees_in_full(app, session, case, owner):
            raise Refused(
                f"{owner.name} does not see case {case_id} in full, so cannot own it: "
                "choose someone who does (the headteacher or the senior team, say)"
            )
        before = case.owner_id
        if before == owner.id:
            return owner.name
        case.owner_id = owner.id
        session.flush()
        audit.remark(
            session,
            case,
            at=app.clock.now(),
            actor=acting.label,
            actor_id=acting.id,
            kind="owner_assigned",
            data={"owner": owner.email, "owner_id": owner.id, "before_id": before},
        )
        return owner.name
