"""Who may see and do what, in one place: every page and API call asks here before it shows anything.

The rules are plain functions over small frozen values, so a unit test runs them with no
database; `engine.queries.access` reads those values from the store.

    headteacher          every case
    a role in a stage's  a case that ever reached that stage (the chair: escalated cases)
      visible_to
    equalities_manager   prejudice-related cases (a category flagged `prejudice`)
    the opener           the full page of a case they logged (the coordinator)
    staff concerned      only that a matter about them is being dealt with, and by whom
    coordinator          every case as a line of the incident log: category, date, stage
    anyone else          nothing: the case does not exist for them (404)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import IntEnum

from workflows import Action, Workflow

HEADTEACHER = "headteacher"
CHAIR = "chair"
COORDINATOR = "coordinator"
RECORD_KEEPERS = frozenset({HEADTEACHER, COORDINATOR, CHAIR})
EQUALITIES = "equalities_manager"

LOG_READERS = frozenset({HEADTEACHER, COORDINATOR})
REPORT_READERS = frozenset({HEADTEACHER, CHAIR, COORDINATOR})


class Sight(IntEnum):
    """How much of one case a person may see; higher sees more."""

    NONE = 0
    """Not even that it exists: 404."""
    LOG = 1
    """A line of the incident log (category, date, stage), not the case page: 403 for the page."""
    MATTER = 2
    """The staff member concerned: that the matter is being dealt with, and by whom."""
    FULL = 3
    """The case page: summary, people, evidence, notes, meetings, the audit trail."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in person, as the rules need them."""

    id: int
    email: str
    name: str
    roles: frozenset[str]

    def has(self, roles: Collection[str]) -> bool:
        return bool(self.roles & set(roles))


@dataclass(frozen=True)
class CaseAccess:
    """What the rules need to know about a case."""

    id: int
    workflow_id: int
    opened_by_id: int
    staff_ids: frozenset[int]
    categories: tuple[str, ...]
    stages_reached: frozenset[str]
    """Every stage the case has ever been at (from its audit trail), the current one included."""


# --- the rules ---------------------------------------------------------------------------------


def case_sight(viewer: Viewer, case: CaseAccess, spec: Workflow) -> Sight:
    """How much of `case` `viewer` may see under the workflow version the case runs on."""
    if HEADTEACHER in viewer.roles:
        return Sight.FULL
    if case.opened_by_id == viewer.id and viewer.has(spec.open.roles):
        return Sight.FULL
    if any(viewer.has(spec.stages[s].visible_to) for s in case.stages_reached if s in spec.stages):
        return Sight.FULL
    if EQUALITIES in viewer.roles and spec.flagged(case.categories, "prejudice"):
        return Sight.FULL
    if viewer.id in case.staff_ids:
        return Sight.MATTER
    if COORDINATOR in viewer.roles:
        return Sight.LOG
    return Sight.NONE


def relations(viewer: Viewer, case: CaseAccess) -> frozenset[str]:
    """The case relations the viewer holds (as engine.notify names them)."""
    held = {"staff_concerned"} if viewer.id in case.staff_ids else set()
    if case.opened_by_id == viewer.id:
        held.add("reporter")
    return frozenset(held)


def may_take(viewer: Viewer, case: CaseAccess, action: Action) -> bool:
    """Whether the viewer's roles (or relations to the case) let them take `action`; stage and guards aside."""
    return bool((viewer.roles | relations(viewer, case)) & set(action.roles))


def may_keep_records(viewer: Viewer, sight: Sight) -> bool:
    """Add evidence, notes and meetings: a record keeper who sees the whole case."""
    return sight is Sight.FULL and viewer.has(RECORD_KEEPERS)


def may_open_case(viewer: Viewer, spec: Workflow) -> bool:
    return viewer.has(spec.open.roles)


def may_read_log(viewer: Viewer) -> bool:
    return viewer.has(LOG_READERS)


def may_read_report(viewer: Viewer) -> bool:
    return viewer.has(REPORT_READERS)


def may_manage_people(viewer: Viewer) -> bool:
    return HEADTEACHER in viewer.roles


def may_read_people_changes(viewer: Viewer, spec: Workflow) -> bool:
    """The trail of people changes: who was let in, shut out, given roles or passwords."""
    return spec.may(viewer.roles, "read_people_changes")


def may_manage_outbox(viewer: Viewer) -> bool:
    return HEADTEACHER in viewer.roles


def case_status(sight: Sight) -> int:
    """The HTTP status for a case page the viewer may not see in full: 404 when they may not know of it."""
    return 404 if sight is Sight.NONE else 403
