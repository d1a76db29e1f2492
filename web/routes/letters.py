"""Letters from a case: the draft to read and edit, and the letter recorded as sent (post/redirect/get)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from engine import (
    LETTER_MAX,
    LETTERS,
    METHODS,
    BadInput,
    NotFound,
    Redress,
    Refused,
    Viewer,
    draft_letter,
    may_write_letters,
    record_access,
    send_letter,
    who_writes,
)
from web.errors import Denied
from web.forms import echo, held_refusal, refuse, text
from web.routes.cases import CaseId
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, flash
from web.templating import page
from web.views import seen_case

router = APIRouter(include_in_schema=False)

LetterName = Annotated[str, Path(pattern=r"^[a-z][a-z_]*$", max_length=40)]
FIELD_IDS = {"text": "letter-text", "method": "letter-method-post", "sent_on": "letter-sent-on"}
"""The engine's field names as the ids of the letter form's inputs (the error summary links to them)."""


def writer_case(app: Redress, viewer: Viewer, case_id: int, kind: str | None = None) -> None:
    """The case (seen in full) and the letter (if one is named), if the viewer may write it: else 404 or 403."""
    facts, sight = seen_case(app, viewer, case_id)
    if kind is not None and kind not in LETTERS:
        raise NotFound(f"there is no letter '{kind}'")
    if not may_write_letters(viewer, sight):
        raise Denied(who_writes(app.compiled(facts.workflow_id).spec))


@router.get("/cases/{case_id}/letters/{kind}")
def letter_page(request: Request, case_id: CaseId, kind: LetterName, app: RedressDep, viewer: ViewerDep) -> Response:
    """The letter drafted from the case, in a box to edit, with how and when it was sent."""
    writer_case(app, viewer, case_id, kind)
    refusal = held_refusal(request)
    today = app.clock.now().astimezone(app.zone).date()
    context: dict[str, object] = {
        "case_id": case_id,
        "kind": kind,
        "title": LETTERS[kind].title,
        "methods": METHODS,
        "today": today.isoformat(),
        "max_length": LETTER_MAX,
        "refusal": refusal,
        "blocked": None,
        "draft": None,
    }
    try:
        draft = draft_letter(app, case_id, kind, viewer.email)
    except Refused as exc:  # not yet (a site ban before any meeting): the reason, and no form
        return page(request, "letter.html", viewer, context | {"blocked": str(exc)})
    record_access(app, viewer.email, viewer.id, case_id, "letter", kind)  # access custody: who drafted which letter
    values = refusal.for_form("letter") if refusal else {}
    return page(request, "letter.html", viewer, context | {"draft": draft, "values": values})


@router.post("/cases/{case_id}/letters/{kind}", dependencies=[FORM_CSRF])
def letter_sent(
    request: Request, case_id: CaseId, kind: LetterName, app: RedressDep, viewer: ViewerDep, form: FormDep
) -> Response:
    """Record the letter as sent: its text (as edited) kept as evidence, the chronology told."""
    writer_case(app, viewer, case_id, kind)
    try:
        body = text(form, "text", LETTER_MAX)
        how = text(form, "method", 20)
        sent = send_letter(app, case_id, kind, viewer.email, body, how, _day(text(form, "sent_on", 20)))
    except (Refused, BadInput) as exc:
        return refuse(request, f"/cases/{case_id}/letters/{kind}", "letter", exc, echo(form), FIELD_IDS)
    flash(request, f"The letter is recorded as sent {METHODS[sent.method]}; its text is kept as evidence #{sent.evidence_id}.")
    return RedirectResponse(f"/cases/{case_id}#chronology", status_code=303)


def _day(value: str) -> date | None:
    """The day it was sent (today when left blank)."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"'{value}' is not a date: write it as YYYY-MM-DD", field="sent_on") from None
