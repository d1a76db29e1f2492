"""Subject access requests, for those who hold answer_subject_requests (the headteacher, a DPO): the list with
each deadline, logging a new one, one request with what was found and its redacted export, and a search for a
person by name, email or pupil reference. A name searched for is posted, never put in a URL (URLs end up in logs)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from engine import (
    DESCRIPTION_MAX,
    NAME_MAX,
    BadInput,
    NewRequest,
    NotAllowed,
    Redress,
    Refused,
    Viewer,
    answer_request,
    export_subject,
    extend_request,
    find_subject,
    may_answer_subject_requests,
    receive_request,
    subject_export_zip,
    subject_request,
    subject_requests,
)
from web.errors import Denied
from web.forms import echo, refuse, split_list, text
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, flash
from web.templating import page

router = APIRouter(include_in_schema=False)
RequestId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _holder(viewer: Viewer) -> None:
    """Before a form is read: its refusal must not be what tells someone without the power about it."""
    if not may_answer_subject_requests(viewer):
        raise Denied("only those who handle subject access requests may see them")


def _listing(request: Request, app: Redress, viewer: Viewer, found: object = None, status: int = 200) -> Response:
    requests = subject_requests(app, viewer.email)  # refuses anyone without the power, first
    return page(request, "subject_requests.html", viewer, {"requests": requests, "found": found}, status=status)


@router.get("/subject-requests")
def requests_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    return _listing(request, app, viewer)


@router.post("/subject-requests", dependencies=[FORM_CSRF])
def receive_post(request: Request, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    _holder(viewer)
    try:
        received = _day(text(form, "received_on", 20).strip(), "received_on")
        request_id = receive_request(
            app,
            viewer.email,
            NewRequest(
                text(form, "requester", NAME_MAX),
                tuple(split_list(text(form, "terms", 2_000))),
                received,
                form.get("identity_checked") == "yes",
            ),
        )
    except BadInput as exc:
        return refuse(request, "/subject-requests", "receive", exc, echo(form))
    flash(request, f"Subject access request {request_id} is logged.")
    return RedirectResponse(f"/subject-requests/{request_id}", status_code=303)


@router.post("/subject-requests/find", dependencies=[FORM_CSRF])
def find_post(request: Request, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    """A search shown at once (a read: nothing to redirect to without putting the name in the URL)."""
    _holder(viewer)
    try:
        found = find_subject(app, viewer.email, split_list(text(form, "find", 2_000)))
    except BadInput as exc:
        return refuse(request, "/subject-requests", "find", BadInput(str(exc), field="find"), echo(form))
    return _listing(request, app, viewer, found)


@router.get("/subject-requests/{request_id}")
def request_page(request: Request, request_id: RequestId, app: RedressDep, viewer: ViewerDep) -> Response:
    view = subject_request(app, viewer.email, request_id)
    found = find_subject(app, viewer.email, view.terms)
    return page(request, "subject_request.html", viewer, {"item": view, "found": found})


@router.post("/subject-requests/{request_id}/extend", dependencies=[FORM_CSRF])
def extend_post(request: Request, request_id: RequestId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    _holder(viewer)
    back = f"/subject-requests/{request_id}"
    try:
        months = text(form, "months", 2).strip()
        if months not in ("1", "2"):
            raise BadInput("choose 1 or 2 further months", field="months")
        told = _day(text(form, "told_on", 20).strip(), "told_on")
        due = extend_request(app, viewer.email, request_id, int(months), text(form, "reason", DESCRIPTION_MAX), told)
    except NotAllowed:
        raise
    except (BadInput, Refused) as exc:
        return refuse(request, back, "extend", exc, echo(form))
    flash(request, f"The request is extended: the answer is now due on {due:%-d %B %Y}.")
    return RedirectResponse(back, status_code=303)


@router.post("/subject-requests/{request_id}/answered", dependencies=[FORM_CSRF])
def answered_post(request: Request, request_id: RequestId, app: RedressDep, viewer: ViewerDep) -> Response:
    answer_request(app, viewer.email, request_id)
    flash(request, f"Subject access request {request_id} is marked answered.")
    return RedirectResponse(f"/subject-requests/{request_id}", status_code=303)


@router.post("/subject-requests/{request_id}/export", dependencies=[FORM_CSRF])
def export_post(request_id: RequestId, app: RedressDep, viewer: ViewerDep) -> Response:
    """The redacted export as a ZIP (JSON and HTML); a post, as making it is recorded on the access log."""
    made = export_subject(app, viewer.email, request_id, "downloaded from the page")
    headers = {
        "Content-Disposition": f'attachment; filename="subject-request-{request_id}.zip"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(subject_export_zip(made), media_type="application/zip", headers=headers)


def _day(value: str, field: str) -> date:
    if not value:
        raise BadInput("give the date, as YYYY-MM-DD", field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"'{value}' is not a date: write it as YYYY-MM-DD", field=field) from None
