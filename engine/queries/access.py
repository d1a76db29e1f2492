"""Reading the facts the access rules (`engine.rules.access`) decide on: who is asking, and about which cases."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.rules.access import CaseAccess, Sight, Viewer, case_sight
from store import AuditEvent, Case, Party, Person, audit, core_rows, table_of
from workflows import Workflow

if TYPE_CHECKING:
    from engine.context import Redress
    from engine.queries.case_rows import CaseRecord

# Read through SQLAlchemy Core on the tables: a command that only reads (`redress case show`) never sets up the
# ORM's mappers, and these statements compile quicker than their ORM forms.
_people = table_of(Person)
_parties = table_of(Party)
_cases = table_of(Case)
_events = table_of(AuditEvent)
_VIEWER = (_people.c.id, _people.c.email, _people.c.name, _people.c.roles, _people.c.active)


def load_viewer(session: Session, person_id: int, spec: Workflow) -> Viewer | None:
    """The active person with this id, with the powers `spec` (the current workflow) gives their roles;
    None when deleted or deactivated."""
    person = core_rows(session, select(*_VIEWER).where(_people.c.id == person_id)).first()
    if person is None or not person.active:
        return None
    return Viewer.of(spec, person.id, person.email, person.name, person.roles)


def case_access(app: Redress, viewer: Viewer, case_id: int) -> tuple[CaseAccess, Sight]:
    """One case's access facts and the viewer's sight of it; NotFound when the case does not exist."""
    with app.db.reading() as session:
        facts = load_access(session, [case_id]).get(case_id)
    if facts is None:
        raise NotFound(f"there is no case {case_id}")
    return facts, case_sight(viewer, facts, app.compiled(facts.workflow_id).spec)


def load_access(session: Session, case_ids: Iterable[int]) -> dict[int, CaseAccess]:
    """The access facts of these cases, in three queries. Always for named cases (a page's): a list of
    cases someone may see is filtered in SQL (`engine.queries.visibility`), never by loading every case."""
    ids = list(case_ids)
    if not ids:
        return {}
    staff_of: dict[int, set[int]] = {}
    staff = select(_parties.c.case_id, _parties.c.person_id).where(
        _parties.c.case_id.in_(ids), _parties.c.kind == "staff", _parties.c.person_id.is_not(None)
    )
    for case_id, person_id in core_rows(session, staff):
        if person_id is not None:
            staff_of.setdefault(case_id, set()).add(person_id)
    stages_of = reached(session, ids)
    cases = select(_cases.c.id, _cases.c.workflow_id, _cases.c.opened_by_id, _cases.c.categories, _cases.c.stage).where(
        _cases.c.id.in_(ids)
    )
    return {
        row.id: CaseAccess(
            row.id,
            row.workflow_id,
            row.opened_by_id,
            frozenset(staff_of.get(row.id, ())),
            tuple(row.categories),
            frozenset(stages_of.get(row.id, set()) | {row.stage}),
        )
        for row in core_rows(session, cases)
    }


def viewer_by_email(session: Session, email: str) -> Viewer | None:
    """The active person with this email, or None: for the command line's `--as`, resolved once per command."""
    person = core_rows(session, select(*_VIEWER).where(_people.c.email == email.strip().lower())).first()
    if person is None or not person.active:
        return None
    return Viewer(person.id, person.email, person.name, frozenset(person.roles))


def reached(session: Session, case_ids: Iterable[int]) -> dict[int, set[str]]:
    """The stages each case has ever arrived at, from its audit trail (index ix_audit_reached)."""
    ids = list(case_ids)
    stages_of: dict[int, set[str]] = {case_id: set() for case_id in ids}
    if not ids:
        return stages_of
    for case_id, stage in core_rows(session, _REACHED, {"case_ids": ids}):
        if stage is not None:
            stages_of[case_id].add(stage)
    return stages_of


# Built once (an action that notifies asks it for its case).
_REACHED = (
    select(_events.c.case_id, _events.c.stage_after)
    .where(_events.c.case_id.in_(bindparam("case_ids", expanding=True)), _events.c.stage_after.is_not(None))
    .distinct()
)


def read_reached(session: Session, cases: Iterable[Case]) -> None:
    """Read the stages these cases have reached in one query, for `access_of` to answer from (the worker's
    batch: each case's emails ask who may see it)."""
    heads = {case.id: case.head_seq for case in cases}
    for case_id, stages in reached(session, heads).items():
        audit.remember_reached(session, case_id, heads[case_id], frozenset(stages))


def access_of(session: Session, case: Case | CaseRecord) -> CaseAccess:
    """The access facts of a case already loaded with its parties: one query, for the stages it reached, unless
    this session already knows them at the case's present head (`read_reached`; events appended since in
    the session keep them current, store.audit.note_reached)."""
    staff = frozenset(p.person_id for p in case.parties if p.kind == "staff" and p.person_id is not None)
    known = audit.remembered_reached(session, case.id, case.head_seq)
    if known is None:
        known = frozenset(reached(session, [case.id])[case.id])
        audit.remember_reached(session, case.id, case.head_seq, known)
    stages = known | {case.stage}
    return CaseAccess(case.id, case.workflow_id, case.opened_by_id, staff, tuple(case.categories), frozenset(stages))
