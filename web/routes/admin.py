"""The school's pages: people and their roles (the headteacher), and the outbox of failed email."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from engine import (
    ALL_FAILED,
    BadInput,
    Redress,
    Refused,
    Viewer,
    add_person,
    issue_password,
    list_people,
    may_manage_people,
    may_resend_email,
    person_by_id,
    read_outbox,
    resend,
    set_roles,
)
from web.errors import Denied, status_of
from web.forms import echo, text, texts
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, flash
from web.templating import page
from workflows import SYSTEM

router = APIRouter(include_in_schema=False)

RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
OUTBOX_KEPT = "the outbox is kept by the headteacher and the coordinator"


def _headteacher(viewer: Viewer) -> None:
    if not may_manage_people(viewer):
        raise Denied("only the headteacher manages people and roles")


def _people_page(request: Request, app: Redress, viewer: Viewer, values: dict[str, Any] | None = None,
                 error: str | None = None, status: int = 200, issued: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> Response:
    spec = app.current_workflow().spec
    roles = {name: role for name, role in spec.roles.items() if name != SYSTEM}
    context = {"people": list_people(app), "roles": roles, "values": values or {}, "error": error, "issued": issued}
    return page(request, "people.html", viewer, context, status=status, headers=headers)


@router.get("/people")
def people_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    _headteacher(viewer)
    return _people_page(request, app, viewer)


@router.post("/people", dependencies=[FORM_CSRF])
def add_person_post(request: Request, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    _headteacher(viewer)
    try:
        person = add_person(app, text(form, "name", 200), text(form, "email", 320), texts(form, "roles"))
    except (Refused, BadInput) as exc:
        return _people_page(request, app, viewer, echo(form), str(exc), status=status_of(exc))
    flash(request, f"{person.name} is added. Give them a first password with 'Set a new password' below.")
    return RedirectResponse("/people", status_code=303)


@router.post("/people/{person_id}/password", dependencies=[FORM_CSRF])
def issue_password_post(request: Request, person_id: RowId, app: RedressDep, viewer: ViewerDep) -> Response:
    """A new random password, shown once on this page (never put in a cookie or a redirect), stored hashed."""
    _headteacher(viewer)
    person = person_by_id(app, person_id)
    password = issue_password(app, person.email)
    return _people_page(request, app, viewer, issued={"name": person.name, "email": person.email, "password": password},
                        headers={"Cache-Control": "no-store"})


@router.post("/people/{person_id}/roles", dependencies=[FORM_CSRF])
def set_roles_post(request: Request, person_id: RowId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    _headteacher(viewer)
    person = person_by_id(app, person_id)
    try:
        set_roles(app, person.email, texts(form, "roles"))
    except (Refused, BadInput) as exc:
        return _people_page(request, app, viewer, None, str(exc), status=status_of(exc))
    flash(request, f"{person.name}'s roles are saved.")
    return RedirectResponse("/people", status_code=303)


@router.get("/outbox")
def outbox_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    if not may_resend_email(viewer):
        raise Denied(OUTBOX_KEPT)
    return page(request, "outbox.html", viewer, {"outbox": read_outbox(app, failed_only=True)})


# Sending again is `resend`'s to allow or refuse (403 when the viewer may not), as for the CLI and the API.
@router.post("/outbox/retry", dependencies=[FORM_CSRF])
def retry_all(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    count = resend(app, viewer, ALL_FAILED)
    flash(request, f"{count} message(s) will be sent again shortly.")
    return RedirectResponse("/outbox", status_code=303)


@router.post("/outbox/{message_id}/retry", dependencies=[FORM_CSRF])
def retry_one(request: Request, message_id: RowId, app: RedressDep, viewer: ViewerDep) -> Response:
    resend(app, viewer, message_id)
    flash(request, f"Message {message_id} will be sent again shortly.")
    return RedirectResponse("/outbox", status_code=303)
