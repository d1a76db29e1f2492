"""The read side's views: frozen values with real `datetime`s, formatted only by the presenter that shows
them (a page, `--json`, the API). Each is built in one read transaction by a query in this package.

Field names are the documented `--json` keys (README): add fields, never rename them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.queries.page_views import Activity as Activity
    from engine.queries.page_views import CaseLinks as CaseLinks
    from engine.queries.page_views import CaseList as CaseList
    from engine.queries.page_views import CasePage as CasePage
    from engine.queries.page_views import CaseRead as CaseRead
    from engine.queries.page_views import Dashboard as Dashboard
    from engine.queries.page_views import DueItem as DueItem
    from engine.queries.page_views import FailedMessage as FailedMessage
    from engine.queries.page_views import IncidentLog as IncidentLog
    from engine.queries.page_views import IntegrityStatus as IntegrityStatus
    from engine.queries.page_views import LinkedCase as LinkedCase
    from engine.queries.page_views import LinkSuggestion as LinkSuggestion
    from engine.queries.page_views import LogEntry as LogEntry
    from engine.queries.page_views import OutboxPage as OutboxPage
    from engine.queries.page_views import ProgressLine as ProgressLine
    from engine.queries.page_views import ReportView as ReportView
    from engine.queries.page_views import ToDoItem as ToDoItem
    from engine.queries.page_views import TriageItem as TriageItem
    from engine.queries.page_views import TriagePage as TriagePage

_PAGE_VIEWS = frozenset(
    {
        "CasePage",
        "CaseRead",
        "DueItem",
        "ToDoItem",
        "Activity",
        "CaseList",
        "ProgressLine",
        "ReportView",
        "TriageItem",
        "TriagePage",
        "Dashboard",
        "IntegrityStatus",
        "LogEntry",
        "IncidentLog",
        "FailedMessage",
        "OutboxPage",
        "LinkedCase",
        "LinkSuggestion",
        "CaseLinks",
    }
)
"""The views of the signed-in pages, defined in engine.queries.page_views and reached here like every other
view: that module loads when one of them is first asked for (`case show` needs none of them)."""


def __getattr__(name: str) -> Any:
    if name not in _PAGE_VIEWS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from engine.queries import page_views

    value = getattr(page_views, name)
    globals()[name] = value
    return value


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
