"""The read side's views: frozen values with real `datetime`s, formatted only by the presenter that shows
them (a page, `--json`, the API). Each is built in one read transaction by a query in this package.

Field names are the documented `--json` keys (README): add fields, never rename them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engine.rules.access import CaseAccess, Sight, Viewer
from engine.rules.letters import LetterOption


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """One line of `case list`, the case list of the API and the dashboard's open cases."""

    id: int
    stage: str
    stage_title: str
    categories: tuple[str, ...]
    summary: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    next_due: datetime | None
    overdue: bool
    version: int


@dataclass(frozen=True, slots=True)
class Poster:
    name: str | None
    contact: str | None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class PartyItem:
    """Someone on the case, as the corrections name them: a member of staff, a pupil or a poster."""

    id: int
    kind: str
    """staff | pupil | poster"""
    label: str
    email: str | None = None
    """A member of staff's email in Redress (how the command line names them)."""


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    id: int
    kind: str
    """file | link"""
    sha256: str | None
    size: int | None
    name: str | None
    media_type: str | None
    url: str | None
    captured_at: datetime | None
    description: str
    added_by: str
    added_at: datetime
    withdrawn_at: datetime | None = None
    withdrawn_reason: str | None = None
    erased_at: datetime | None = None
    """Erased (uploaded by mistake, or purged): a tombstone, its file gone from the store, its SHA-256 kept."""
    erased_reason: str | None = None


@dataclass(frozen=True, slots=True)
class NoteItem:
    id: int
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MeetingItem:
    id: int
    held_on: date
    attendees: str
    notes: str
    recorded_by: str


@dataclass(frozen=True, slots=True)
class DeadlineItem:
    """A deadline waiting on the case: of its own procedure (`track` None) or of a track; a paused one has
    stopped while a track waits on a third party, and `due_at` is where it stood when it stopped."""

    name: str
    kind: str
    due_at: datetime
    overdue: bool
    track: str | None
    paused: bool


@dataclass(frozen=True, slots=True)
class FieldView:
    label: str
    type: str
    required: bool
    choices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ActionView:
    """An action the viewer may take now, with what still blocks it (its guards, in people's words)."""

    name: str
    title: str
    to: str
    """The stage it moves its procedure to (a track's start: the track's first stage)."""
    fields: Mapping[str, FieldView]
    blocked_by: tuple[str, ...]
    procedure: str
    """'main', or the track the action moves (or starts: `starts_track`)."""
    starts_track: str | None
    primary: bool = False
    """The main path's next step (the workflow's `primary: true`)."""


@dataclass(frozen=True, slots=True)
class TrackView:
    """A track the case has started (the platform, the police ...), and where it stands."""

    name: str
    title: str
    stage: str
    stage_title: str
    started_at: datetime
    stage_entered_at: datetime
    finished_at: datetime | None
    running: bool
    """Not finished, and the case still open (a case that closes stops its tracks where they stand)."""


@dataclass(frozen=True, slots=True)
class PauseView:
    """A procedure ('main' or a track) that stands paused while running tracks wait on a third party."""

    procedure: str
    by: tuple[str, ...]
    """The tracks that pause it."""
    since: datetime
    text: str
    """In the people's words, the date as the school reads it: 'paused: waiting for the police since Mon 23 Nov'."""
    main: bool


@dataclass(frozen=True, slots=True)
class CaseView(CaseSummary):
    """`case show`: the summary and everything recorded on the case."""

    workflow_version: str
    platform: str | None
    link: str | None
    seen_at: datetime | None
    opened_by: str
    staff_concerned: tuple[str, ...]
    pupils: tuple[str | None, ...]
    posters: tuple[Poster, ...]
    facts: Mapping[str, Any]
    evidence: tuple[EvidenceItem, ...]
    notes: tuple[NoteItem, ...]
    meetings: tuple[MeetingItem, ...]
    deadlines: tuple[DeadlineItem, ...]
    actions: tuple[ActionView, ...]
    tracks: tuple[TrackView, ...]
    paused: tuple[PauseView, ...]
    withdrawn: tuple[EvidenceItem, ...] = ()
    """Evidence withdrawn from the list, with why: still stored, still in the trail."""
    parties: tuple[PartyItem, ...] = ()
    owner: str | None = None
    """The email of the person who carries the case day to day (None: the roles as a whole)."""
    erased_evidence: tuple[EvidenceItem, ...] = ()
    """Tombstones of evidence erased: who added it, when and why it was erased, its SHA-256."""
    held_at: datetime | None = None
    """Under a legal hold since then (never purged while held); None: not held."""
    held_reason: str | None = None
    content_erased_at: datetime | None = None
    """When the case's content was erased under the retention schedule (None: it was not)."""


@dataclass(frozen=True, slots=True)
class Event:
    """One event of a case's audit trail; `at_local` is the time as the school reads it (documented key)."""

    seq: int
    at: datetime
    at_local: str
    actor: str
    kind: str
    action: str | None
    stage_before: str | None
    stage_after: str | None
    data: Mapping[str, Any]
    hash: str
    track: str | None
    """The track the event moved or started, or None for the case's own procedure."""
    erased: bool = False
    """Its content (`data`) was erased under an erasure a later event records; what is left still verifies."""


@dataclass(frozen=True, slots=True)
class ChronologyEntry:
    """One event of a case in plain words: when, who (name and role), what, and what was typed."""

    seq: int
    at: datetime
    when: str
    """'Thu 4 Dec 2025, 14:05', in the school's zone."""
    who: str
    """'Helen Head (Headteacher)', or 'Redress (automatic)'."""
    kind: str
    headline: str
    details: tuple[tuple[str, str], ...]
    """(label, value) pairs: each answer by its label in the workflow, notes, reasons, old → new."""


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """Whether a case's hash chain verifies, and the first event that does not."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str
    erased: tuple[int, ...] = field(default=(), kw_only=True)
    """The events whose content was erased under a recorded erasure: erased, not tampered with."""


@dataclass(frozen=True, slots=True)
class CaseCheck(ChainCheck):
    """`case audit --verify` and the API's audit: the chain as `ChainCheck` reports it, and every problem the
    full per-case check of `redress verify --case N` found (chain, signatures, the case row replayed from its
    events, its notes, meetings, evidence and parties, its evidence files, the checkpoints); `ok` only when
    both hold. `reason` is the chain's, or the first problem when the chain itself holds."""

    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AuditTrail:
    case: int
    events: tuple[Event, ...]
    verification: CaseCheck | None
    chronology: tuple[ChronologyEntry, ...] = ()
    """The same events in plain words (added to the documented keys; none of them renamed)."""


@dataclass(frozen=True, slots=True)
class Handler:
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class MatterView:
    """What the staff member concerned may know: that the matter is being dealt with, and by whom."""

    id: int
    opened_on: date
    closed: bool
    closed_on: date | None
    dealt_with_by: tuple[Handler, ...]


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
