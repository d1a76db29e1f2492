"""The read side's views: frozen values with real `datetime`s, formatted only by the presenter that shows
them (a page, `--json`, the API). Each is built in one read transaction by a query in this package.

Field names are the documented `--json` keys (README): add fields, never rename them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine.rules.access import CaseAccess, Sight, Viewer


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


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """Whether a case's hash chain verifies, and the first event that does not."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class AuditTrail:
    case: int
    events: tuple[Event, ...]
    verification: ChainCheck | None


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


@dataclass(frozen=True, slots=True)
class DueItem:
    case_id: int
    deadline: str
    kind: str
    due_at: datetime
    overdue: bool


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
