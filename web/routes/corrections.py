"""Corrections to a case's record and reopening, from the case page: one engine command each, then
post/redirect/get; a refusal shows the case page again with the message by its form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from engine import (
    BadInput,
    NotFound,
    Redress,
    Refused,
    Viewer,
    add_party,
    correct_case,
    remove_party,
    reopen_case,
    withdraw_evidence,
)
from web.errors import status_of
from web.forms import echo, text, texts, whole_number
from web.routes.cases import CaseId, render_case
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, flash
from web.views import seen_case

router = APIRouter(include_in_schema=False)
_KINDS: dict[str, Literal["staff", "pupil", "poster"]] = {"staff": "staff", "pupil": "pupil", "poster": "poster"}


def _correct(
    request: Request,
    app: Redress,
    viewer: Viewer,
    case_id: int,
    form_name: str,
    values: dict[str, object],
    command: Callable[[], object],
    done: str,
) -> Response:
    seen_case(app, viewer, case_id)  # 404/403 before anything else; the command checks who may correct
    try:
        command()
    except (Refused, BadInput, NotFound) as exc:
        return render_case(request, app, viewer, case_id, (form_name, str(exc), values), status=status_of(exc))
    flash(request, done)
    return RedirectResponse(f"/cases/{case_id}#{form_name}", status_code=303)


@router.post("/cases/{case_id}/correct", dependencies=[FORM_CSRF])
def correct(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    summary, categories, reason = text(form, "summary"), texts(form, "categories"), text(form, "reason", 2000)
    return _correct(
        request,
        app,
        viewer,
        case_id,
        "correct",
        echo(form),
        lambda: correct_case(app, case_id, viewer.email, reason, summary=summary, categories=categories or None),
        "The case details are corrected; the old and new values are kept in the record.",
    )


@router.post("/cases/{case_id}/parties", dependencies=[FORM_CSRF])
def add(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    kind, reason = _KINDS.get(text(form, "kind", 10)), text(form, "reason", 2000)

    def command() -> object:
        if kind is None:
            raise BadInput("choose who to add: a member of staff, a pupil or a poster")
        return add_party(
            app,
            case_id,
            viewer.email,
            kind,
            reason,
            email=text(form, "email", 320),
            name=text(form, "name", 200),
            contact=text(form, "contact", 2000),
            address=text(form, "address", 2000),
            reference=text(form, "reference", 200),
        )

    return _correct(request, app, viewer, case_id, "parties", echo(form), command, "Added to the case.")


@router.post("/cases/{case_id}/parties/remove", dependencies=[FORM_CSRF])
def remove(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    party, reason = whole_number(form, "party") or 0, text(form, "reason", 2000)
    return _correct(
        request,
        app,
        viewer,
        case_id,
        "parties",
        echo(form),
        lambda: remove_party(app, case_id, viewer.email, party, reason),
        "Removed from the case.",
    )


@router.post("/cases/{case_id}/evidence/withdraw", dependencies=[FORM_CSRF])
def withdraw(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    item, reason = whole_number(form, "evidence") or 0, text(form, "reason", 2000)
    return _correct(
        request,
        app,
        viewer,
        case_id,
        "withdraw",
        echo(form),
        lambda: withdraw_evidence(app, case_id, viewer.email, item, reason),
        "The item is withdrawn from the list; it stays in the store and in the record.",
    )


@router.post("/cases/{case_id}/reopen", dependencies=[FORM_CSRF])
def reopen(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    reason = text(form, "reason", 2000)
    return _correct(
        request,
        app,
        viewer,
        case_id,
        "reopen",
        echo(form),
        lambda: reopen_case(app, case_id, viewer.email, reason),
        "The case is reopened.",
    )
