"""The access rule `case_sight(...) is Sight.FULL` as a SQL condition on `cases`, so a list of the cases a
person sees in full is filtered, counted and paged by the database, not by loading every case.

The condition is not written out by hand: for each workflow version it asks the rule itself about
one-fact cases (opened by the viewer; reached stage S; in category C; the viewer concerned) and ORs
the facts that alone give full sight. That is exact for a rule that is an OR of such facts, as
`engine.rules.access.case_sight` is; a test compares the two over a whole school.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import False_

from engine.context import Redress
from engine.rules.access import CaseAccess, Sight, Viewer, case_sight
from store import AuditEvent, Case, Party, WorkflowVersion
from workflows import Workflow


def full_sight(app: Redress, session: Session, viewer: Viewer) -> ColumnElement[bool] | None:
    """A condition on `Case` true exactly for the cases the viewer sees in full; None when that is every case,
    and `false()` itself (a `False_`) when it is none, so a caller may skip its queries."""
    clauses: list[ColumnElement[bool]] = []
    everything = True
    for version_id in session.scalars(select(WorkflowVersion.id).order_by(WorkflowVersion.id)):
        condition = _under(session, viewer, version_id, app.compiled(version_id).spec)
        if condition is None:
            clauses.append(Case.workflow_id == version_id)
            continue
        everything = False
        if not isinstance(condition, False_):  # a version under which the viewer sees no case adds nothing
            clauses.append(and_(Case.workflow_id == version_id, condition))
    if everything:
        return None
    return or_(*clauses) if clauses else false()


def _under(session: Session, viewer: Viewer, version_id: int, spec: Workflow) -> ColumnElement[bool] | None:
    """For one workflow version: None (every case) or the condition (false(): none)."""
    blank = CaseAccess(0, version_id, 0, frozenset(), (), frozenset())

    def full(**facts: object) -> bool:
        return case_sight(viewer, replace(blank, **facts), spec) is Sight.FULL  # type: ignore[arg-type]

    if full():
        return None
    ors: list[ColumnElement[bool]] = []
    if full(opened_by_id=viewer.id):
        ors.append(Case.opened_by_id == viewer.id)
    stages = [s for s in spec.stages if full(stages_reached=frozenset({s}))]
    if stages:
        ors.append(Case.stage.in_(stages))
        ors.append(
            select(AuditEvent.id)
            .where(AuditEvent.case_id == Case.id, AuditEvent.stage_after.in_(stages))
            .correlate(Case)
            .exists()
        )
    categories = [c for c in spec.categories if full(categories=(c,))]
    if categories:
        ors.append(_in_any(session, categories))
    if full(staff_ids=frozenset({viewer.id})):
        ors.append(
            select(Party.id)
            .where(Party.case_id == Case.id, Party.kind == "staff", Party.person_id == viewer.id)
            .correlate(Case)
            .exists()
        )
    return or_(*ors) if ors else false()


def _in_any(session: Session, categories: list[str]) -> ColumnElement[bool]:
    """The case has one of these categories (a JSON list, read with each database's own JSON function)."""
    if session.get_bind().dialect.name == "postgresql":
        elements = func.json_array_elements_text(Case.categories).table_valued("value")
    else:
        elements = func.json_each(Case.categories).table_valued("value")
    return select(1).select_from(elements).where(elements.c.value.in_(categories)).correlate(Case).exists()
