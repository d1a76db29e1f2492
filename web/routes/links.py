"""A case's memory of others: link it to another case, and correct when its post was first published."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from engine import DESCRIPTION_MAX, BadInput, Refused, link_cases, set_first_published
from web.forms import echo, refuse, text, whole_number
from web.routes.cases import CaseId
from web.routes.records import keeper_case
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, flash

router = APIRouter(include_in_schema=False)


@router.post("/cases/{case_id}/linked", dependencies=[FORM_CSRF])
def link_case(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    """Link this case to another (the form under 'Linked cases', or a suggestion's button)."""
    keeper_case(app, viewer, case_id)
    try:
        other = whole_number(form, "other_id")
        if other is None:
            raise BadInput("give the number of the case to link this one to")
        basis = text(form, "basis", 20).strip() or "manual"
        reason = text(form, "reason", DESCRIPTION_MAX)
        link_cases(app, case_id, other, viewer.email, reason, basis)
    except (Refused, BadInput) as exc:
        return refuse(request, f"/cases/{case_id}#linked", "linked", exc, echo(form))
    flash(request, f"Case {case_id} is linked to case {other}; both trails record it.")
    return RedirectResponse(f"/cases/{case_id}#linked", status_code=303)


@router.post("/cases/{case_id}/first-published", dependencies=[FORM_CSRF])
def correct_first_published(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    keeper_case(app, viewer, case_id)
    try:
        value = text(form, "first_published_on", 20).strip()
        on = _date(value) if value else None
        set_first_published(app, case_id, viewer.email, on, text(form, "reason", DESCRIPTION_MAX))
    except (Refused, BadInput) as exc:
        return refuse(request, f"/cases/{case_id}#published", "published", exc, echo(form))
    flash(request, "The date of first publication is corrected; the limitation reminder follows it.")
    return RedirectResponse(f"/cases/{case_id}#published", status_code=303)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"'{value}' is not a date: write it as YYYY-MM-DD") from None
