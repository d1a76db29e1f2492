"""Reading the facts the access rules (`engine.rules.access`) decide on: who is asking, and about which cases."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.rules.access import CaseAccess, Viewer
from store import AuditEvent, Case, Party, Person
from workflows import Workflow


def load_viewer(session: Session, person_id: int, spec: Workflow) -> Viewer | None:
    """The active person with this id, with the powers `spec` (the current workflow) gives their roles;
    None when deleted or deactivated."""
    person = session.get(Person, person_id)
    if person is None or not person.active:
        return None
    return Viewer.of(spec, person.id, person.email, person.name, person.roles)


def load_access(session: Session, case_ids: Iterable[int] | None = None) -> dict[int, CaseAccess]:
    """The access facts of these cases (every case when None), in three queries."""
    ids = None if case_ids is None else list(case_ids)
    cases = select(Case.id, Case.workflow_id, Case.opened_by_id, Case.categories, Case.stage)
    staff = select(Party.case_id, Party.person_id).where(Party.kind == "staff", Party.person_id.is_not(None))
    reached = select(AuditEvent.case_id, AuditEvent.stage_after).where(AuditEvent.stage_after.is_not(None)).distinct()
    if ids is not None:
        cases, staff = cases.where(Case.id.in_(ids)), staff.where(Party.case_id.in_(ids))
        reached = reached.where(AuditEvent.case_id.in_(ids))
    staff_of: dict[int, set[int]] = {}
    for case_id, person_id in session.execute(staff):
        if person_id is not None:
            staff_of.setdefault(case_id, set()).add(person_id)
    stages_of: dict[int, set[str]] = {}
    for case_id, stage in session.execute(reached):
        if stage is not None:
            stages_of.setdefault(case_id, set()).add(stage)
    return {
        row.id: CaseAccess(row.id, row.workflow_id, row.opened_by_id, frozenset(staff_of.get(row.id, ())),
                           tuple(row.categories), frozenset(stages_of.get(row.id, set()) | {row.stage}))
        for row in session.execute(cases)
    }
