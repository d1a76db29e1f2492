"""The JSON API for a case's record: evidence files and links, notes, meetings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

import engine
from engine import DESCRIPTION_MAX, TEXT_PATTERN, Redress, Viewer, add_evidence_file, add_evidence_link, may_keep_records
from web.api.cases import ERRORS, CaseId
from web.api.models import CreatedOut, LinkIn, MeetingIn, NoteIn
from web.api.strict import StrictJsonRoute
from web.errors import Denied
from web.session import API_CSRF, RedressDep, ViewerDep
from web.views import seen_case

router = APIRouter(
    route_class=StrictJsonRoute, prefix="/api/cases/{case_id}", tags=["record"], responses=ERRORS, dependencies=[API_CSRF]
)


def _keeper(app: Redress, viewer: Viewer, case_id: int) -> None:
    _, sight = seen_case(app, viewer, case_id)
    if not may_keep_records(viewer, sight):
        raise Denied("only the headteacher, the coordinator and the chair add to a case's record")


@router.post("/evidence", status_code=201, response_model=CreatedOut)
def upload(
    case_id: CaseId,
    app: RedressDep,
    viewer: ViewerDep,
    file: Annotated[UploadFile, File()],
    description: Annotated[str, Form(max_length=DESCRIPTION_MAX, pattern=TEXT_PATTERN)] = "",
) -> dict[str, Any]:
    """Store a file (a screenshot, a saved page; up to 25 MB) as evidence, by its SHA-256."""
    _keeper(app, viewer, case_id)
    evidence = add_evidence_file(app, case_id, viewer.email, file.file, file.filename or "file", description)
    return {"id": evidence.id}


@router.post("/links", status_code=201, response_model=CreatedOut)
def add_link(case_id: CaseId, body: LinkIn, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    """Record a link to a post as evidence."""
    _keeper(app, viewer, case_id)
    return {"id": add_evidence_link(app, case_id, viewer.email, body.url, body.description).id}


@router.post("/notes", status_code=201, response_model=CreatedOut)
def add_note(case_id: CaseId, body: NoteIn, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    _keeper(app, viewer, case_id)
    return {"id": engine.add_note(app, case_id, viewer.email, body.text).id}


@router.post("/meetings", status_code=201, response_model=CreatedOut)
def record_meeting(case_id: CaseId, body: MeetingIn, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    _keeper(app, viewer, case_id)
    return {"id": engine.record_meeting(app, case_id, viewer.email, body.held_on, body.attendees, body.notes).id}
