"""The JSON API's shapes: what it takes and what it answers, as its OpenAPI document publishes them.

The output models of cases, the audit trail, the log and the outbox are made from the engine's views
(engine.queries.views) by `out_model`, and the routes answer with `engine.as_json` of a view, as
`redress ... --json` prints it: one shape, declared once.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, get_type_hints

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, create_model

from engine import AuditTrail, CaseSummary, CaseView, ChainCheck, EvidenceItem, LogEntry, MatterView, OutboxPage

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
AuditOut = out_model(AuditTrail, "AuditOut", verification=(ChainCheck, ...))
LogEntryOut = out_model(LogEntry, "LogEntryOut")
OutboxOut = out_model(OutboxPage, "OutboxOut")


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
