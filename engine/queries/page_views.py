"""The views of the signed-in pages beyond a case's own: the case page's frame (`CasePage`, `CaseRead`), the
dashboard, the case list, the to-do and triage lists, the monitoring report, the incident log, the outbox and a
case's links. Each is imported as `engine.queries.views.X`, as every view is (its home in this module is a
detail): `engine.queries.views` loads this module the first time one of them is asked for, so `redress case
show`, which needs none of them, does not define them (a frozen dataclass costs about half a millisecond to
make)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from engine.queries.views import CaseSummary, CaseView, ChainCheck, ChronologyEntry, Event, MatterView
from engine.rules.access import CaseAccess, Sight, Viewer
from engine.rules.letters import LetterOption


@dataclass(frozen=True, slots=True)
class CasePage:
    """Everything the full case page shows, read in one transaction with the access check in front of it."""

    viewer: Viewer
    access: CaseAccess
    sight: Sight
    case: CaseView
    stage_description: str
    category_labels: tuple[tuple[str, str], ...]
    names: Mapping[str, str]
    """Email -> name of every person the page mentions."""
    trail: tuple[Event, ...]
    verification: ChainCheck
    keeper: bool
    """May add evidence, notes and meetings."""
    chronology: tuple[ChronologyEntry, ...] = ()
    """The trail in plain words, oldest first."""
    corrector: bool = False
    """May correct the case's details, its people and its evidence, and reopen it (with a reason)."""
    may_reopen: bool = False
    """The case is closed, its workflow declares a reopening, and the viewer holds one of its roles."""
    reopen_to: str | None = None
    """The title of the stage a reopening leads to."""
    all_categories: tuple[tuple[str, str], ...] = ()
    """Every category of the case's workflow (name, label): what a correction may choose from."""
    links: CaseLinks | None = None
    """Its links to other cases, the suggested matches, the course of conduct and the limitation date."""
    owner_choices: tuple[tuple[str, str], ...] = ()
    """(email, name) of each active person who could own the case, when the viewer may assign one."""
    letters: tuple[LetterOption, ...] = ()
    """The letters the viewer may draft from the case (those who hold the letters power), each with why it
    cannot be written yet, if so."""
    may_erase: bool = False
    """May erase an evidence file uploaded by mistake (the `erase_records` power)."""
    may_hold: bool = False
    """May put the case under a legal hold or release it (the `hold_cases` power)."""


@dataclass(frozen=True, slots=True)
class CaseRead:
    """The answer to 'show me case N' for a signed-in person: who they are now, how much they may see, and
    that much of the case: the page (FULL), the matter (MATTER), or nothing (LOG, NONE: 403 or 404)."""

    viewer: Viewer | None
    """None when the person is no longer active: nothing else was read."""
    case_id: int
    sight: Sight
    page: CasePage | None = None
    matter: MatterView | None = None
    may_open: bool = False
    """May open a case under the current workflow (the layout's menu), read in the same transaction."""
    pending: str = ""
    """'enrol' or 'verify' when the session still owes the second step of sign-in (viewer None: nothing else
    was read, and the page sends the person to finish signing in); '' otherwise."""


@dataclass(frozen=True, slots=True)
class DueItem:
    case_id: int
    deadline: str
    kind: str
    due_at: datetime
    overdue: bool


@dataclass(frozen=True, slots=True)
class ToDoItem:
    """A case where this person may take the next step of the main path (the workflow's primary action)."""

    case_id: int
    summary: str
    stage_title: str
    action: str
    """The action's name in the workflow (for the link to its form), never shown."""
    title: str
    """The action's title, in people's words."""
    due: datetime | None
    """The case's soonest running deadline, if any."""
    overdue: bool
    waiting_for: tuple[str, ...] = ()
    """What must happen before the step can be taken (the refusal of each guard that does not hold yet)."""


@dataclass(frozen=True, slots=True)
class Activity:
    case_id: int
    at: datetime
    actor: str
    kind: str
    action: str | None
    stage_after: str | None


@dataclass(frozen=True, slots=True)
class CaseList:
    """One page of case summaries, and how many there are in all."""

    items: tuple[CaseSummary, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class ProgressLine:
    """One stage change of the case opened from a staff report, as its reporter reads it: the stage title only."""

    on: date
    stage_title: str


@dataclass(frozen=True, slots=True)
class ReportView:
    """A report of a post about oneself, as its reporter follows it: never the poster or the evidence."""

    id: int
    made_at: datetime
    text: str
    link: str | None
    status: str
    """new (waiting to be read), opened (a case was opened from it) or declined."""
    reason: str | None
    """Why it was declined."""
    case_id: int | None
    progress: tuple[ProgressLine, ...]


@dataclass(frozen=True, slots=True)
class TriageItem:
    """A report from staff as those who triage reports read it."""

    id: int
    reporter_name: str
    reporter_email: str
    made_at: datetime
    text: str
    link: str | None
    seen_at: datetime | None
    file_name: str | None
    status: str
    reason: str | None
    case_id: int | None


@dataclass(frozen=True, slots=True)
class TriagePage:
    """One page of the reports from staff, new ones first, and how many there are."""

    items: tuple[TriageItem, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    """One page of the open cases the viewer sees in full (soonest due first), their counts, what falls due
    within a week, recent activity, and the matters about the viewer."""

    cases: tuple[CaseSummary, ...]
    open_total: int
    overdue_total: int
    offset: int
    limit: int
    due_this_week: tuple[DueItem, ...]
    recent: tuple[Activity, ...]
    matters: tuple[MatterView, ...]
    owned: tuple[CaseSummary, ...] = ()
    """The open cases the viewer owns (assigned to them to carry), soonest due first."""
    reports: tuple[ReportView, ...] = ()
    """The reports the viewer made of posts about themselves, newest first, with how each has gone."""
    integrity: IntegrityStatus | None = None
    """For those who see every case, once `redress verify` has run; None otherwise."""
    to_do: tuple[ToDoItem, ...] = ()
    """What the viewer can do now: the open cases whose next step (primary action) they may take, oldest
    deadline first, those with no deadline last."""
    matters_total: int = 0
    """How many matters about the viewer there are in all (`matters` holds the newest of them)."""


@dataclass(frozen=True, slots=True)
class IntegrityStatus:
    """The stored `redress verify` runs (the worker's nightly one among them), as the dashboard shows them: the
    latest, what it found, and when the record last verified in full."""

    checked_at: datetime
    """When the latest run ran."""
    ok: bool
    problems: tuple[str, ...]
    """What the latest run found (its first problems, at most 100), each a sentence."""
    last_ok_at: datetime | None
    """When the latest run that found nothing ran (the latest run itself when it held)."""
    command: str = "redress verify"
    """What to run to check again and read every problem."""


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    opened_at: datetime
    categories: tuple[str, ...]
    category_labels: tuple[str, ...]
    stage: str
    stage_title: str
    closed: bool
    outcome: str | None
    summary: str | None
    """Only for a case the viewer sees in full."""
    full: bool


@dataclass(frozen=True, slots=True)
class IncidentLog:
    items: tuple[LogEntry, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class FailedMessage:
    id: int
    case_id: int | None
    to: str
    subject: str
    template: str
    attempts: int
    error: str | None
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class OutboxPage:
    """The API's outbox: the failed messages (from `read_outbox`, the one reader) and how many wait."""

    failed: tuple[FailedMessage, ...]
    waiting: int


@dataclass(frozen=True, slots=True)
class LinkedCase:
    """A case linked to this one (engine.commands.links), as far as the viewer may see it in full."""

    id: int
    summary: str
    stage_title: str
    closed: bool
    basis: str
    """poster | platform | thread | manual"""
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class LinkSuggestion:
    """A case that looks connected to this one and is not linked yet: 'Possibly the same poster as case #M'."""

    id: int
    basis: str
    text: str


@dataclass(frozen=True, slots=True)
class CaseLinks:
    """A case's memory of others: its links, the matches suggested, the course of conduct its poster's cases make,
    and the defamation limitation that runs from the first publication."""

    case_id: int
    linked: tuple[LinkedCase, ...]
    suggestions: tuple[LinkSuggestion, ...]
    occasions: int
    """How many cases the poster's links join, this one included (1: none linked by poster)."""
    course_of_conduct: str | None
    """The flag's wording once there are two occasions or more; None before."""
    first_published_on: date | None
    limitation_date: date | None
    """The last day a defamation claim may be brought (12 months after first publication)."""
    reminder_due: datetime | None
    """When the headteacher is reminded (one month before), while that reminder waits."""
