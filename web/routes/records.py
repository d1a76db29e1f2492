"""A case's record: evidence (upload, link, download), notes and meetings."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

import engine
from engine import (
    DESCRIPTION_MAX,
    URL_MAX,
    BadInput,
    Redress,
    Refused,
    Viewer,
    add_evidence_file,
    add_evidence_link,
    may_keep_records,
    read_verified,
    record_access,
)
from web.errors import Denied
from web.forms import echo, refuse, text
from web.routes.cases import CaseId
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, flash
from web.views import seen_case

router = APIRouter(include_in_schema=False)

EvidenceId = Annotated[int, Path(ge=1, le=2_147_483_647)]
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
SAFE_TYPES = INLINE_TYPES | {"application/pdf", "text/plain", "text/csv", "message/rfc822"}
FIELD_IDS = {
    "held_on": "mt-date",
    "attendees": "mt-who",
    "notes": "mt-notes",
    "text": "note-text",
    "url": "ln-url",
    "file": "ev-file",
    "description": "ev-desc",
}
"""The engine's field names as the ids of the case page's record forms (the summary links to them)."""
EVIDENCE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def keeper_case(app: Redress, viewer: Viewer, case_id: int) -> None:
    _, sight = seen_case(app, viewer, case_id)
    if not may_keep_records(viewer, sight):
        raise Denied("only the headteacher, the coordinator and the chair add to a case's record")


def _record(
    request: Request,
    app: Redress,
    viewer: Viewer,
    case_id: int,
    form_name: str,
    values: dict[str, object],
    command: Callable[[], object],
    done: str,
) -> Response:
    """Run one record command; a refusal shows the case page again with the message by the form."""
    keeper_case(app, viewer, case_id)
    try:
        command()
    except (Refused, BadInput) as exc:
        return refuse(request, f"/cases/{case_id}", form_name, exc, values, FIELD_IDS)
    flash(request, done)
    return RedirectResponse(f"/cases/{case_id}#{form_name}", status_code=303)


@router.post("/cases/{case_id}/evidence", dependencies=[FORM_CSRF])
def upload_evidence(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    upload = form.get("file")
    description = text(form, "description", DESCRIPTION_MAX)
    if not isinstance(upload, UploadFile) or not upload.filename:
        command: Callable[[], object] = _no_file
    else:
        content, name = upload.file, upload.filename  # read in chunks by the engine, after the case is checked
        command = lambda: add_evidence_file(app, case_id, viewer.email, content, name, description)  # noqa: E731
    return _record(request, app, viewer, case_id, "evidence", echo(form), command, "The file is stored as evidence.")


def _no_file() -> None:
    raise BadInput("choose a file to upload: a screenshot or a saved page", field="file")


@router.post("/cases/{case_id}/links", dependencies=[FORM_CSRF])
def add_link(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    url, description = text(form, "url", URL_MAX), text(form, "description", DESCRIPTION_MAX)
    return _record(
        request,
        app,
        viewer,
        case_id,
        "links",
        echo(form),
        lambda: add_evidence_link(app, case_id, viewer.email, url, description),
        "The link is recorded as evidence.",
    )


@router.post("/cases/{case_id}/notes", dependencies=[FORM_CSRF])
def add_note(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    note = text(form, "text")
    return _record(
        request,
        app,
        viewer,
        case_id,
        "notes",
        echo(form),
        lambda: engine.add_note(app, case_id, viewer.email, note),
        "The note is added.",
    )


@router.post("/cases/{case_id}/meetings", dependencies=[FORM_CSRF])
def record_meeting(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    held_on, attendees, notes = text(form, "held_on", 20), text(form, "attendees", DESCRIPTION_MAX), text(form, "notes")

    def command() -> object:
        return engine.record_meeting(app, case_id, viewer.email, _date(held_on), attendees, notes)

    return _record(request, app, viewer, case_id, "meetings", echo(form), command, "The meeting is recorded.")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"'{value}' is not a date: write it as YYYY-MM-DD", field="held_on") from None


def safe_filename(name: str) -> str:
    """A file name fit for a header: letters, digits and . _ - only, never a path."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "evidence"
    return cleaned[:100]


def disposition(kind: str, name: str) -> str:
    """Content-Disposition with an ASCII name and the original (percent-encoded UTF-8) beside it."""
    original = "".join(ch for ch in name if ch.isprintable())[:200]
    return f"{kind}; filename=\"{safe_filename(name)}\"; filename*=UTF-8''{quote(original, safe='')}"


@router.get("/cases/{case_id}/evidence/{evidence_id}")
def download_evidence(case_id: CaseId, evidence_id: EvidenceId, app: RedressDep, viewer: ViewerDep) -> Response:
    """Served only after its SHA-256 is recomputed and matches (invariant 5); a missing or changed file
    answers 410 or 500 with a page in plain words, and the headteacher is told (engine.read_verified)."""
    seen_case(app, viewer, case_id)
    item = read_verified(app, case_id, evidence_id, viewer.email)
    record_access(
        app, viewer.email, viewer.id, case_id, "evidence", f"evidence {evidence_id}: {item.name} (sha256 {item.sha256})"
    )
    media_type = item.media_type if item.media_type in SAFE_TYPES else "application/octet-stream"
    kind = "inline" if media_type in INLINE_TYPES else "attachment"
    headers = {
        "Content-Disposition": disposition(kind, item.name),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": EVIDENCE_CSP,
    }
    if item.content is not None:
        return Response(item.content, media_type=media_type, headers=headers)
    copy = item.copy
    assert copy is not None  # read_verified hands out the bytes or a checked copy
    return FileResponse(copy, media_type=media_type, headers=headers, background=BackgroundTask(copy.unlink, missing_ok=True))
