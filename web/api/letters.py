"""The JSON API for letters from a case: the letters on offer, a draft, and a letter recorded as sent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from engine import draft_letter, letter_options, send_letter
from web.api.cases import ERRORS, CaseId
from web.api.models import LetterDraftOut, LetterIn, LetterOptionOut, LetterSentOut
from web.api.strict import StrictJsonRoute
from web.routes.letters import LetterName, writer_case
from web.session import API_CSRF, RedressDep, ViewerDep

router = APIRouter(
    route_class=StrictJsonRoute,
    prefix="/api/cases/{case_id}/letters",
    tags=["letters"],
    responses=ERRORS,
    dependencies=[API_CSRF],
)


@router.get("", response_model=list[LetterOptionOut])
def options(case_id: CaseId, app: RedressDep, viewer: ViewerDep) -> list[dict[str, Any]]:
    """The letters that may be drafted from the case, each with why it cannot be written yet (if so)."""
    writer_case(app, viewer, case_id)
    return [{"kind": o.kind, "title": o.title, "blocked": o.blocked} for o in letter_options(app, case_id, viewer.email)]


@router.get("/{kind}", response_model=LetterDraftOut)
def draft(case_id: CaseId, kind: LetterName, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    """The letter drafted from the case (the poster's name and address, the meeting arranged), to edit and send."""
    writer_case(app, viewer, case_id, kind)
    d = draft_letter(app, case_id, kind, viewer.email)
    return {"kind": d.kind, "title": d.title, "to": d.to, "address": d.address, "meeting": d.meeting, "text": d.text}


@router.post("/{kind}", status_code=201, response_model=LetterSentOut)
def sent(case_id: CaseId, kind: LetterName, body: LetterIn, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    """Record the letter as sent: its text kept as an evidence item under its SHA-256, and the chronology told."""
    writer_case(app, viewer, case_id, kind)
    letter = send_letter(app, case_id, kind, viewer.email, body.text, body.method, body.sent_on)
    return {"id": letter.evidence_id, "sha256": letter.sha256}
