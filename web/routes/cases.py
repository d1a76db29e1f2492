"""A case: open one, read it, take an action on it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from engine import (
    BadInput,
    Conflict,
    NotFound,
    Redress,
    Refused,
    Sight,
    Viewer,
    assign_owner,
    case_page,
    list_people,
    may_assign_owner,
    may_open_case,
    open_case,
    record_access,
    role_labels,
    take_action,
)
from web.errors import Denied
from web.forms import action_fields, echo, held_refusal, open_case_input, refuse, text, whole_number
from web.routes.custody import custody_doors
from web.session import FORM_CSRF, FormDep, RedressDep, SignedInDep, ViewerDep, flash
from web.templating import page
from web.views import accept_read, case_context, permitted_action, seen_case

router = APIRouter(include_in_schema=False)

CaseId = Annotated[int, Path(ge=1, le=2_147_483_647)]
ActionName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]


def _may_open(app: Redress, viewer: Viewer) -> None:
    spec = app.current_workflow().spec
    if not may_open_case(viewer, spec):
        raise Denied(f"only the {role_labels(spec, spec.open.roles)} may open a case")


def _open_form(
    request: Request, app: Redress, viewer: Viewer, values: dict[str, Any], error: str | None = None, status: int = 200
) -> Response:
    spec = app.current_workflow().spec
    people = [p for p in list_people(app) if p.active]
    now_local = app.clock.now().astimezone(app.zone).strftime("%Y-%m-%dT%H:%M")
    context = {"categories": spec.categories, "people": people, "values": values, "error": error, "now_local": now_local}
    return page(request, "open_case.html", viewer, context, status=status)


@router.get("/cases/new")
def open_case_form(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    _may_open(app, viewer)
    return _open_form(request, app, viewer, {})


@router.post("/cases", dependencies=[FORM_CSRF])
def open_case_post(request: Request, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    _may_open(app, viewer)
    try:
        case_id = open_case(app, viewer.email, open_case_input(app, form))
    except (Refused, BadInput, NotFound) as exc:
        return refuse(request, "/cases/new", "open_case", exc, echo(form))
    flash(request, f"Case {case_id} is open. The people the workflow names have been told.")
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/cases/{case_id}")
def case_page_get(request: Request, case_id: CaseId, app: RedressDep, token: SignedInDep) -> Response:
    """The case page: the session, the viewer, the access check and every read in one transaction (`case_page`)."""
    read = case_page(app, token, case_id)
    viewer = accept_read(request, read, at_least=Sight.MATTER)
    if read.matter is not None:
        return page(request, "matter.html", viewer, {"matter": read.matter}, may_open=read.may_open)
    assert read.page is not None
    record_access(app, viewer.email, viewer.id, case_id, "case_page")  # access custody: one small write
    context = {**case_context(read.page), "custody": custody_doors(app, viewer, case_id, read.sight)}
    refusal = held_refusal(request)
    if refusal:  # the partials that fill their forms from form_values / form_errors
        context |= {
            "refusal": refusal,
            "form_values": {refusal.form: refusal.values},
            "form_errors": {refusal.form: "; ".join(message for _, message in refusal.problems)},
        }
    return page(request, "case.html", viewer, context, may_open=read.may_open)


@router.post("/cases/{case_id}/actions/{action_name}", dependencies=[FORM_CSRF])
def take_action_post(
    request: Request, case_id: CaseId, action_name: ActionName, app: RedressDep, viewer: ViewerDep, form: FormDep
) -> Response:
    facts, _, action = permitted_action(app, viewer, case_id, action_name)
    try:
        result = take_action(
            app,
            case_id,
            action_name,
            viewer.email,
            action_fields(form, action),
            note=text(form, "note").strip() or None,
            expected_version=whole_number(form, "expected_version"),
        )
    except (Refused, BadInput, Conflict) as exc:
        fields = {name: f"a-{action_name}-{name}" for name in action.fields} | {"note": f"a-{action_name}-note"}
        return refuse(request, f"/cases/{case_id}", f"action:{action_name}", exc, echo(form), fields)
    stage = app.compiled(facts.workflow_id).spec.stages[result.stage_after].title
    flash(request, f"Done: {action.title}. The case is now at '{stage}'.")
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/owner", dependencies=[FORM_CSRF])
def assign_owner_post(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    """Give the case an owner (those who see every case); a refusal shows the page again by the form."""
    seen_case(app, viewer, case_id)
    if not may_assign_owner(viewer):
        raise Denied("only those who see every case give a case an owner")
    try:
        name = assign_owner(app, case_id, viewer.email, text(form, "owner", 320))
    except (Refused, BadInput, NotFound, Conflict) as exc:
        return refuse(request, f"/cases/{case_id}#owner", "owner", exc, echo(form))
    flash(request, f"{name} now owns case {case_id}: they get its reminders.")
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
