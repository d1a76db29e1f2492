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
from enum import IntEnum, StrEnum

from workflows import Action, TrackStart, Workflow

# The relations a case gives a person (workflows.RELATIONS declares them; who holds one is worked out here).
STAFF_CONCERNED = "staff_concerned"
REPORTER = "reporter"


class Power(StrEnum):
    """What a role may do or is given beyond the workflow's actions and stages."""

    SEE_EVERY_CASE = "see_every_case"
    SEE_PREJUDICE_CASES = "see_prejudice_cases"
    SEE_SAFEGUARDING_CASES = "see_safeguarding_cases"
    READ_INCIDENT_LOG = "read_incident_log"
    READ_REPORT = "read_report"
    KEEP_RECORDS = "keep_records"
    MANAGE_PEOPLE = "manage_people"
    RESEND_EMAIL = "resend_email"
    WRITE_LETTERS = "write_letters"
    MIGRATE_CASES = "migrate_cases"
    RECEIVE_DIGEST = "receive_digest"
    RECEIVE_REVIEW_REMINDER = "receive_review_reminder"
    COORDINATE_ESAFETY = "coordinate_esafety"
    OVERSEE_ESAFETY = "oversee_esafety"
    READ_PEOPLE_CHANGES = "read_people_changes"
    TRIAGE_REPORTS = "triage_reports"
    ANSWER_SUBJECT_REQUESTS = "answer_subject_requests"
    READ_ANNUAL_REVIEW = "read_annual_review"
    HEAD_SCHOOL = "head_school"
    ERASE_RECORDS = "erase_records"
    HOLD_CASES = "hold_cases"


def holders(spec: Workflow, power: Power) -> frozenset[str]:
    """The roles that hold `power` under the `permissions:` block of `spec` (the current workflow)."""
    return spec.holders(power)


def holds(spec: Workflow, roles: Collection[str], power: Power) -> bool:
    """Whether any of `roles` holds `power` under `spec`."""
    return spec.may(roles, power)


def powers_of(spec: Workflow, roles: Collection[str]) -> frozenset[Power]:
    """Every power that `roles` hold under `spec`: what a Viewer carries. Worked out once per workflow and
    set of roles (a batch of deadlines asks it for every reader of every email)."""
    key = (id(spec), frozenset(roles))
    known = _POWERS.get(key)
    if known is not None and known[0] is spec:
        return known[1]
    powers = frozenset(power for power in Power if spec.may(roles, power))
    if len(_POWERS) >= _POWERS_KEPT:
        _POWERS.clear()
    _POWERS[key] = (spec, powers)  # the spec is kept, so its id is not reused while the entry stands
    return powers


_POWERS: dict[tuple[int, frozenset[str]], tuple[Workflow, frozenset[Power]]] = {}
_POWERS_KEPT = 256


def only(spec: Workflow, power: Power, doing: str) -> str:
    """The refusal for someone without `power`: 'only the Coordinator or the Headteacher may resend email'."""
    labels = sorted(spec.roles[role].label if role in spec.roles else role for role in holders(spec, power))
    return f"only the {' or the '.join(labels)} may {doing}" if labels else f"nobody may {doing} under this workflow"


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
    powers: frozenset[Power] = frozenset()
    """What the roles allow under the current workflow's `permissions:` (see `Viewer.of`)."""

    @classmethod
    def of(cls, spec: Workflow, id: int, email: str, name: str, roles: Collection[str]) -> Viewer:
        """A viewer whose powers are those `spec` gives `roles`."""
        return cls(id, email, name, frozenset(roles), powers_of(spec, roles))

    def has(self, roles: Collection[str]) -> bool:
        return bool(self.roles & set(roles))

    def can(self, power: Power) -> bool:
        return power in self.powers


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
    if viewer.can(Power.SEE_EVERY_CASE):
        return Sight.FULL
    if case.opened_by_id == viewer.id and viewer.has(spec.open.roles):
        return Sight.FULL
    if any(viewer.has(spec.stages[s].visible_to) for s in case.stages_reached if s in spec.stages):
        return Sight.FULL
    if viewer.can(Power.SEE_PREJUDICE_CASES) and spec.flagged(case.categories, "prejudice"):
        return Sight.FULL
    if viewer.can(Power.SEE_SAFEGUARDING_CASES) and spec.flagged(case.categories, "safeguarding"):
        return Sight.FULL
    if viewer.id in case.staff_ids:
        return Sight.MATTER
    if viewer.can(Power.READ_INCIDENT_LOG):
        return Sight.LOG
    return Sight.NONE


def relations(viewer: Viewer, case: CaseAccess) -> frozenset[str]:
    """The case relations the viewer holds (as engine.notify names them)."""
    held = {STAFF_CONCERNED} if viewer.id in case.staff_ids else set()
    if case.opened_by_id == viewer.id:
        held.add(REPORTER)
    return frozenset(held)


def may_take(viewer: Viewer, case: CaseAccess, action: Action | TrackStart) -> bool:
    """Whether the viewer's roles (or relations to the case) let them take `action`; stage and guards aside."""
    return bool((viewer.roles | relations(viewer, case)) & set(action.roles))


def may_keep_records(viewer: Viewer, sight: Sight) -> bool:
    """Add evidence, notes and meetings: a record keeper who sees the whole case."""
    return sight is Sight.FULL and viewer.can(Power.KEEP_RECORDS)


def may_write_letters(viewer: Viewer, sight: Sight) -> bool:
    """Draft a letter from a case and record it as sent: those the `write_letters` power names, for a case
    they see in full. The case page, the API and `redress case letter` all ask this."""
    return sight is Sight.FULL and viewer.can(Power.WRITE_LETTERS)


def may_correct(viewer: Viewer, sight: Sight) -> bool:
    """Correct a case's details, its people and its evidence (with a reason, audited): whoever keeps its record."""
    return may_keep_records(viewer, sight)


def may_reopen(viewer: Viewer, closed: bool, spec: Workflow) -> bool:
    """Reopen a closed case: the roles its workflow's `reopen:` names, when it names any."""
    return closed and spec.reopen is not None and viewer.has(spec.reopen.roles)


def may_open_case(viewer: Viewer, spec: Workflow) -> bool:
    return viewer.has(spec.open.roles)


def may_read_log(viewer: Viewer) -> bool:
    return viewer.can(Power.READ_INCIDENT_LOG)


def may_read_report(viewer: Viewer) -> bool:
    return viewer.can(Power.READ_REPORT)


def may_manage_people(viewer: Viewer) -> bool:
    return viewer.can(Power.MANAGE_PEOPLE)


def may_erase_records(viewer: Viewer) -> bool:
    """Erase a mistaken upload, purge what the retention schedule says is due, read the certificates."""
    return viewer.can(Power.ERASE_RECORDS)


def may_hold_cases(viewer: Viewer) -> bool:
    """Put a case under a legal hold, or release it."""
    return viewer.can(Power.HOLD_CASES)


def may_resend_email(viewer: Viewer) -> bool:
    """See the outbox and send failed email again: the CLI, the page and the API all ask this."""
    return viewer.can(Power.RESEND_EMAIL)


def may_read_people_changes(viewer: Viewer) -> bool:
    """The trail of people changes: who was let in, shut out, given roles or passwords."""
    return viewer.can(Power.READ_PEOPLE_CHANGES)


def may_triage_reports(viewer: Viewer) -> bool:
    """Read the reports staff make of posts about themselves; open a case from one, or decline it."""
    return viewer.can(Power.TRIAGE_REPORTS)


def may_answer_subject_requests(viewer: Viewer) -> bool:
    """Log subject access requests, search for one person across cases, export what was found (redacted)."""
    return viewer.can(Power.ANSWER_SUBJECT_REQUESTS)


def may_assign_owner(viewer: Viewer) -> bool:
    """Give a case to one person to carry day to day: those who see every case."""
    return viewer.can(Power.SEE_EVERY_CASE)


def case_status(sight: Sight) -> int:
    """The HTTP status for a case page the viewer may not see in full: 404 when they may not know of it."""
    return 404 if sight is Sight.NONE else 403


def may_read_access_log(viewer: Viewer, sight: Sight) -> bool:
    """Who read a case, and when: the owner of every case (the headteacher), for a case they see in full."""
    return sight is Sight.FULL and viewer.can(Power.SEE_EVERY_CASE)


def may_export(viewer: Viewer, case: CaseAccess, spec: Workflow, sight: Sight) -> bool:
    """The bundle for a solicitor or the police: the owner of every case, or a role a stage the case
    reached shows it to (the chair, once the case is escalated to them)."""
    if sight is not Sight.FULL:
        return False
    if viewer.can(Power.SEE_EVERY_CASE):
        return True
    return any(viewer.has(spec.stages[s].visible_to) for s in case.stages_reached if s in spec.stages)
