"""Erasure from the case page: a file uploaded by mistake (a tombstone stays), a legal hold placed or
released, each with a reason; and the certificates of erasure, for those who hold `erase_records`. The
engine commands check the power again, as for the command line and the API."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from engine import (
    BadInput,
    Conflict,
    NotFound,
    Refused,
    certificates,
    erase_evidence,
    hold_case,
    may_erase_records,
    release_hold,
)
from web.errors import Denied
from web.forms import echo, refuse, text, whole_number
from web.routes.cases import CaseId
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, flash
from web.templating import page
from web.views import seen_case

router = APIRouter(include_in_schema=False)

_FIELDS = {
    "erase": {"evidence": "er-item", "reason": "er-reason"},
    "hold": {"reason": "ho-reason"},
}
CERTIFICATES_KEPT = "the certificates of erasure are read by those who may erase records (the headteacher)"


def _run(request: Request, case_id: int, form_name: str, form: FormDep, command: Callable[[], object], done: str) -> Response:
    try:
        command()
    except (Refused, BadInput, NotFound, Conflict) as exc:
        return refuse(request, f"/cases/{case_id}#{form_name}", form_name, exc, dict(echo(form)), _FIELDS[form_name])
    flash(request, done)
    return RedirectResponse(f"/cases/{case_id}#{form_name}", status_code=303)


@router.post("/cases/{case_id}/evidence/erase", dependencies=[FORM_CSRF])
def erase(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    seen_case(app, viewer, case_id)

    def command() -> object:
        item = whole_number(form, "evidence")
        if item is None:
            raise BadInput("choose the evidence item to erase", field="evidence")
        return erase_evidence(app, case_id, viewer.email, item, text(form, "reason", 2000))

    return _run(
        request,
        case_id,
        "erase",
        form,
        command,
        "The file is erased from the store; its tombstone and SHA-256 stay in the record.",
    )


@router.post("/cases/{case_id}/hold", dependencies=[FORM_CSRF])
def hold(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    seen_case(app, viewer, case_id)
    release = text(form, "release", 10) == "yes"

    def command() -> object:
        reason = text(form, "reason", 2000)
        if release:
            release_hold(app, case_id, viewer.email, reason)
        else:
            hold_case(app, case_id, viewer.email, reason)
        return None

    done = "The legal hold is released." if release else "The case is under a legal hold: it will not be purged."
    return _run(request, case_id, "hold", form, command, done)


@router.get("/erasures")
def certificates_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    if not may_erase_records(viewer):
        raise Denied(CERTIFICATES_KEPT)
    return page(request, "erasures.html", viewer, {"certificates": certificates(app, viewer.email)})
