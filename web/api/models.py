"""The JSON API's shapes: what it takes and what it answers, as its OpenAPI document publishes them.

The output models mirror the engine's documented `--json` views (engine.queries), so the API and
`redress ... --json` agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

MAX_INT = 2_147_483_647


def _printable(value: str) -> str:
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("control characters are not allowed")
    return value


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the date is out of range") from None


_Checked = AfterValidator(_printable)
Name = Annotated[str, Field(max_length=60), _Checked]
Email = Annotated[str, Field(min_length=3, max_length=320), _Checked]
Line = Annotated[str, Field(max_length=200), _Checked]
LineRequired = Annotated[str, Field(min_length=1, max_length=200), _Checked]
Url = Annotated[str, Field(max_length=2000), _Checked]
UrlRequired = Annotated[str, Field(min_length=1, max_length=2000), _Checked]
Text = Annotated[str, Field(max_length=5000), _Checked]
TextRequired = Annotated[str, Field(min_length=1, max_length=5000), _Checked]
Instant = Annotated[AwareDatetime, AfterValidator(_utc)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(BaseModel):
    detail: str | list[dict[str, Any]]
    """What went wrong, in words; or, for a malformed request, FastAPI's list of problems."""


class PosterIn(_In):
    name: LineRequired
    contact: Url = ""


class OpenCaseIn(_In):
    categories: list[Name] = Field(min_length=1, max_length=20)
    summary: TextRequired
    staff: list[Email] = Field(default_factory=list, max_length=50)
    """Emails of the staff concerned."""
    pupils: list[Line] = Field(default_factory=list, max_length=50)
    """References only (initials, an admission number)."""
    posters: list[PosterIn] = Field(default_factory=list, max_length=20)
    platform: Line | None = None
    link: Url | None = None
    seen_at: Instant | None = None


class ActionIn(_In):
    fields: dict[Name, Text | bool] = Field(default_factory=dict, max_length=50)
    note: Text | None = None
    expected_version: int | None = Field(None, ge=1, le=MAX_INT)
    """The case's version when you read it: a later change makes this a 409 conflict, not an overwrite."""


class NoteIn(_In):
    text: TextRequired


class LinkIn(_In):
    url: UrlRequired
    description: Url = ""


class MeetingIn(_In):
    held_on: date
    attendees: UrlRequired
    notes: Text = ""


class PersonIn(_In):
    name: LineRequired
    email: Email
    roles: list[Name] = Field(default_factory=list, max_length=10)


class RolesIn(_In):
    roles: list[Name] = Field(max_length=10)


class CreatedOut(BaseModel):
    id: int


class MeOut(BaseModel):
    id: int
    email: str
    name: str
    roles: list[str]
    csrf_token: str


class CaseSummaryOut(BaseModel):
    id: int
    stage: str
    stage_title: str
    categories: list[str]
    summary: str
    opened_at: str
    closed_at: str | None
    outcome: str | None
    next_due: str | None
    overdue: bool
    version: int


class EvidenceOut(BaseModel):
    id: int
    kind: Literal["file", "link"]
    sha256: str | None
    size: int | None
    name: str | None
    media_type: str | None
    url: str | None
    captured_at: str | None
    description: str
    added_by: str
    added_at: str
    download: str | None = None


class NoteOut(BaseModel):
    id: int
    author: str
    text: str
    created_at: str


class MeetingOut(BaseModel):
    id: int
    held_on: str
    attendees: str
    notes: str
    recorded_by: str


class DeadlineOut(BaseModel):
    name: str
    kind: str
    due_at: str | None
    overdue: bool
    track: str | None = None
    paused: bool = False


class TrackOut(BaseModel):
    name: str
    title: str
    stage: str
    stage_title: str
    started_at: str | None
    stage_entered_at: str | None
    finished_at: str | None
    running: bool


class PausedOut(BaseModel):
    procedure: str
    by: list[str]
    since: str | None
    text: str
    main: bool


class FieldOut(BaseModel):
    label: str
    type: Literal["text", "date", "choice", "yes_no"]
    required: bool
    choices: list[str]


class ActionOut(BaseModel):
    name: str
    title: str
    to: str
    procedure: str = "main"
    """'main', or the track the action moves (or starts: `starts_track`)."""
    starts_track: str | None = None
    fields: dict[str, FieldOut]
    blocked_by: list[str]


class PosterOut(BaseModel):
    name: str | None
    contact: str | None


class CaseOut(CaseSummaryOut):
    view: Literal["full"] = "full"
    workflow_version: str
    platform: str | None
    link: str | None
    seen_at: str | None
    opened_by: str
    staff_concerned: list[str]
    pupils: list[str | None]
    posters: list[PosterOut]
    facts: dict[str, Any]
    evidence: list[EvidenceOut]
    notes: list[NoteOut]
    meetings: list[MeetingOut]
    deadlines: list[DeadlineOut]
    actions: list[ActionOut]
    tracks: list[TrackOut] = []
    paused: list[PausedOut] = []


class HandlerOut(BaseModel):
    name: str
    role: str


class MatterOut(BaseModel):
    """What the staff member concerned may know: that the matter is being dealt with, and by whom."""

    view: Literal["matter"] = "matter"
    id: int
    opened_on: str
    closed: bool
    closed_on: str | None
    dealt_with_by: list[HandlerOut]


class ActionResultOut(BaseModel):
    case_id: int
    action: str
    stage_before: str
    stage_after: str
    version: int
    notified: list[str]
    closed: bool


class EventOut(BaseModel):
    seq: int
    at: str
    at_local: str
    actor: str
    kind: str
    action: str | None
    stage_before: str | None
    stage_after: str | None
    data: dict[str, Any]
    hash: str


class VerificationOut(BaseModel):
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str


class AuditOut(BaseModel):
    events: list[EventOut]
    verification: VerificationOut


class LogEntryOut(BaseModel):
    id: int
    opened_at: str
    categories: list[str]
    stage: str
    stage_title: str
    closed: bool
    outcome: str | None
    summary: str | None
    """Only for a case you may see in full."""


class PersonOut(BaseModel):
    id: int
    name: str
    email: str
    roles: list[str]
    active: bool
    can_sign_in: bool


class FailedMessageOut(BaseModel):
    id: int
    case_id: int | None
    to: str
    subject: str
    template: str
    attempts: int
    error: str | None
    created_at: str | None


class OutboxOut(BaseModel):
    failed: list[FailedMessageOut]
    waiting: int


class RetryOut(BaseModel):
    requeued: int
