"""Corrections to a case's record and reopening, from the case page: one engine command each, then
post/redirect/get; a refusal too (`web.forms.refuse`): the case page shows it once, in its error summary
and by each field it is about."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from engine import (
    BadInput,
    Conflict,
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
from web.forms import echo, refuse, text, texts, whole_number
from web.routes.cases import CaseId
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, flash
from web.views import seen_case

router = APIRouter(include_in_schema=False)
_KINDS: dict[str, Literal["staff", "pupil", "poster"]] = {"staff": "staff", "pupil": "pupil", "poster": "poster"}

# Each form's inputs by the names the engine's refusals use (`engine.rules.inputs.about`): the ids on the page.
_FIELDS: dict[str, dict[str, str]] = {
    "correct": {"summary": "co-summary", "categories": "co-categories", "reason": "co-reason"},
    "parties": {
        "kind": "pa-kind",
        "email": "pa-email",
        "reference": "pa-ref",
        "name": "pa-name",
        "contact": "pa-contact",
        "address": "pa-address",
        "reason": "pa-reason",
    },
    "parties-remove": {"party": "pr-party", "reason": "pr-reason"},
    "withdraw": {"evidence": "wd-item", "reason": "wd-reason"},
    "reopen": {"reason": "ro-reason"},
}


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
    fields: Mapping[str, str] = _FIELDS.get(form_name, {})
    try:
        command()
    except (Refused, BadInput, NotFound, Conflict) as exc:
        return refuse(request, f"/cases/{case_id}#{form_name}", form_name, exc, dict(values), fields)
    flash(request, done)
    return RedirectResponse(f"/cases/{case_id}#{form_name}", status_code=303)


@router.post("/cases/{case_id}/correct", dependencies=[FORM_CSRF])
def correct(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    def command() -> object:
        summary, categories, reason = text(form, "summary"), texts(form, "categories"), text(form, "reason", 2000)
        return correct_case(app, case_id, viewer.email, reason, summary=summary, categories=categories or None)

    return _correct(
        request,
        app,
        viewer,
        case_id,
        "correct",
        echo(form),
        command,
        "The case details are corrected; the old and new values are kept in the record.",
    )


@router.post("/cases/{case_id}/parties", dependencies=[FORM_CSRF])
def add(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    def command() -> object:
        kind, reason = _KINDS.get(text(form, "kind", 10)), text(form, "reason", 2000)
        if kind is None:
            raise BadInput("choose who to add: a member of staff, a pupil or a poster", field="kind")
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
    def command() -> object:
        party = whole_number(form, "party")
        if party is None:
            raise BadInput("choose who to take off the case", field="party")
        remove_party(app, case_id, viewer.email, party, text(form, "reason", 2000))
        return None

    return _correct(request, app, viewer, case_id, "parties-remove", echo(form), command, "Removed from the case.")


@router.post("/cases/{case_id}/evidence/withdraw", dependencies=[FORM_CSRF])
def withdraw(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    def command() -> object:
        item = whole_number(form, "evidence")
        if item is None:
            raise BadInput("choose the evidence item to withdraw", field="evidence")
        withdraw_evidence(app, case_id, viewer.email, item, text(form, "reason", 2000))
        return None

    return _correct(
        request,
        app,
        viewer,
        case_id,
        "withdraw",
        echo(form),
        command,
        "The item is withdrawn from the list; it stays in the store and in the record.",
    )


@router.post("/cases/{case_id}/reopen", dependencies=[FORM_CSRF])
def reopen(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    return _correct(
        request,
        app,
        viewer,
        case_id,
        "reopen",
        echo(form),
        lambda: reopen_case(app, case_id, viewer.email, text(form, "reason", 2000)),
        "The case is reopened.",
    )
