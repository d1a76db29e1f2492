"""The JSON API's shapes: what it takes and what it answers, as its OpenAPI document publishes them.

The output models of cases, the audit trail, the log and the outbox are made from the engine's views
(engine.queries.views) by `out_model`, and the routes answer with `engine.as_json` of a view, as
`redress ... --json` prints it: one shape, declared once.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, get_type_hints

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, create_model

from engine import (
    DATE_PATTERN,
    DESCRIPTION_MAX,
    EMAIL_MAX,
    EMAIL_PATTERN,
    INSTANT_PATTERN,
    LETTER_MAX,
    NAME_MAX,
    NAME_PATTERN,
    SUMMARY_MAX,
    TEXT_MAX,
    TEXT_PATTERN,
    TEXT_REQUIRED_PATTERN,
    URL_MAX,
    URL_PATTERN,
    AuditTrail,
    CaseCheck,
    CaseLinks,
    CaseSummary,
    CaseView,
    EvidenceItem,
    LogEntry,
    MatterView,
    OutboxPage,
)

MAX_INT = 2_147_483_647
IDENTIFIER = r"^[a-z][a-z0-9_]*$"
"""A name the workflow defines: a category, a role, an action's field."""


_DAY, _INSTANT = re.compile(DATE_PATTERN), re.compile(INSTANT_PATTERN)


def _day(value: Any) -> date:
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ValueError("write the day as a string YYYY-MM-DD, in this century")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a day of the calendar") from None


def _instant(value: Any) -> datetime:
    if not isinstance(value, str) or not _INSTANT.fullmatch(value):
        raise ValueError("write the moment as a string 2026-03-02T09:00:00Z, with its offset")
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        raise ValueError(f"{value} is not a moment of the calendar") from None


# The request fields, built from the engine's input rules (engine.rules.inputs): the engine checks the same
# rules for every door; here they are also published, as maxLength and pattern in the OpenAPI document.
Identifier = Annotated[str, Field(min_length=1, max_length=60, pattern=IDENTIFIER)]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN)]
Contact = Annotated[str, Field(max_length=URL_MAX, pattern=f"^$|{NAME_PATTERN}")]
Email = Annotated[str, Field(min_length=3, max_length=EMAIL_MAX, pattern=EMAIL_PATTERN)]
Url = Annotated[str, Field(min_length=1, max_length=URL_MAX, pattern=URL_PATTERN)]
Text = Annotated[str, Field(max_length=TEXT_MAX, pattern=TEXT_PATTERN)]
TextRequired = Annotated[str, Field(min_length=1, max_length=TEXT_MAX, pattern=TEXT_REQUIRED_PATTERN)]
Summary = Annotated[str, Field(min_length=1, max_length=SUMMARY_MAX, pattern=TEXT_REQUIRED_PATTERN)]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX, pattern=TEXT_PATTERN)]
Attendees = Annotated[str, Field(min_length=1, max_length=DESCRIPTION_MAX, pattern=TEXT_REQUIRED_PATTERN)]
Day = Annotated[date, BeforeValidator(_day), WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN})]
"""YYYY-MM-DD: a string only (a number is not a date); one that has not happened yet is refused (422)."""
Instant = Annotated[
    datetime, BeforeValidator(_instant), WithJsonSchema({"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN})
]
"""ISO 8601 with an offset; one in the future is refused (422)."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(BaseModel):
    detail: str | list[dict[str, Any]]
    """What went wrong, in words; or, for a malformed request, FastAPI's list of problems."""


class PosterIn(_In):
    name: Name
    contact: Contact = ""


class OpenCaseIn(_In):
    categories: list[Identifier] = Field(min_length=1, max_length=20)
    summary: Summary
    staff: list[Email] = Field(default_factory=list, max_length=50)
    """Emails of the staff concerned."""
    pupils: list[Name] = Field(default_factory=list, max_length=50)
    """References only (initials, an admission number)."""
    posters: list[PosterIn] = Field(default_factory=list, max_length=20)
    platform: Name | None = None
    link: Url | None = None
    seen_at: Instant | None = None
    first_published_on: Day | None = None
    """When it was seen: not in the future."""


class ActionIn(_In):
    fields: dict[Identifier, Text | bool] = Field(default_factory=dict, max_length=50)
    note: Text | None = None
    expected_version: int | None = Field(None, ge=1, le=MAX_INT)
    """The case's version when you read it: a later change makes this a 409 conflict, not an overwrite."""


class LinkCaseIn(_In):
    other_id: int = Field(ge=1, le=MAX_INT)
    reason: Annotated[str, Field(min_length=1, max_length=DESCRIPTION_MAX, pattern=TEXT_PATTERN)]
    basis: Literal["poster", "platform", "thread", "manual"] = "manual"


class FirstPublishedIn(_In):
    first_published_on: Day | None
    reason: Annotated[str, Field(min_length=1, max_length=DESCRIPTION_MAX, pattern=TEXT_PATTERN)]


class NoteIn(_In):
    text: TextRequired


class LinkIn(_In):
    url: Url
    description: Description = ""


class MeetingIn(_In):
    held_on: Day
    """The day it was held: not in the future."""
    attendees: Attendees
    notes: Text = ""


class PersonIn(_In):
    name: Name
    email: Email
    roles: list[Identifier] = Field(default_factory=list, max_length=10)


class RolesIn(_In):
    roles: list[Identifier] = Field(max_length=10)


class OwnerIn(_In):
    owner: Email
    """The email of the person who is to carry the case day to day."""


class OwnerOut(BaseModel):
    case_id: int
    owner: str
    name: str


class CreatedOut(BaseModel):
    id: int


class LetterIn(_In):
    text: Annotated[str, Field(min_length=1, max_length=LETTER_MAX, pattern=TEXT_REQUIRED_PATTERN)]
    """The letter as sent (the draft, edited or not)."""
    method: Literal["post", "email", "hand"]
    """How it was sent: by post, by email or by hand."""
    sent_on: Day | None = None
    """The day it was sent (today when left out): not in the future."""


class LetterDraftOut(BaseModel):
    kind: str
    title: str
    to: str
    address: str | None
    meeting: str | None
    text: str


class LetterOptionOut(BaseModel):
    kind: str
    title: str
    blocked: str | None
    """Why it cannot be written for the case yet; null when it can."""


class LetterSentOut(BaseModel):
    id: int
    """The evidence item that keeps the letter's text."""
    sha256: str


class MeOut(BaseModel):
    id: int
    email: str
    name: str
    roles: list[str]
    csrf_token: str


def out_model(shape: type, name: str, /, **changes: Any) -> type[BaseModel]:
    """The published schema of an engine view (a frozen dataclass), with `changes` (name=(type, default)) on top:
    the shapes are declared once, in engine.queries.views, and `--json` and the API print them alike."""
    hints = get_type_hints(shape)
    fields: dict[str, Any] = {f.name: (hints[f.name], ...) for f in dataclasses.fields(shape)}
    fields.update(changes)
    model: type[BaseModel] = create_model(name, __doc__=shape.__doc__, **fields)
    return model


CaseSummaryOut = out_model(CaseSummary, "CaseSummaryOut")
EvidenceOut = out_model(EvidenceItem, "EvidenceOut", download=(str | None, None))
CaseOut = out_model(CaseView, "CaseOut", view=(Literal["full"], "full"), evidence=(list[EvidenceOut], ...))  # type: ignore[valid-type]
MatterOut = out_model(MatterView, "MatterOut", view=(Literal["matter"], "matter"))
AuditOut = out_model(AuditTrail, "AuditOut", verification=(CaseCheck, ...))
LogEntryOut = out_model(LogEntry, "LogEntryOut")
OutboxOut = out_model(OutboxPage, "OutboxOut")
CaseLinksOut = out_model(CaseLinks, "CaseLinksOut")


class ActionResultOut(BaseModel):
    case_id: int
    action: str
    stage_before: str
    stage_after: str
    version: int
    notified: list[str]
    closed: bool


class PersonOut(BaseModel):
    id: int
    name: str
    email: str
    roles: list[str]
    active: bool
    can_sign_in: bool


class RetryOut(BaseModel):
    requeued: int
