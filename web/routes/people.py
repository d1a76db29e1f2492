"""The headteacher's People page: add people, set their roles and passwords, deactivate leavers; and the
"People changes" page (the school's trail) for the headteacher and the chair.

Every change that takes something away or hands out a secret (roles, a password, a deactivation) is
asked twice: the first post shows what will happen, and only a post with `confirm=yes` does it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from engine import (
    BadInput,
    Redress,
    Refused,
    Viewer,
    add_person,
    deactivate,
    issue_password,
    list_people,
    may_manage_people,
    may_read_people_changes,
    open_work,
    people_changes,
    person_by_id,
    reactivate,
    set_roles,
    verify_people_changes,
)
from web.errors import Denied
from web.forms import echo, refuse, text, texts
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, flash
from web.templating import page
from workflows import SYSTEM

router = APIRouter(include_in_schema=False)

RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _manager(viewer: Viewer) -> None:
    if not may_manage_people(viewer):
        raise Denied("only the headteacher manages people, roles and the outbox")


def _roles(app: Redress) -> dict[str, Any]:
    return {name: role for name, role in app.current_workflow().spec.roles.items() if name != SYSTEM}


def _people_page(
    request: Request,
    app: Redress,
    viewer: Viewer,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
    issued: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {"people": list_people(app), "roles": _roles(app), "values": values or {}, "error": error, "issued": issued}
    return page(request, "people.html", viewer, context, status=status, headers=headers)


def _confirmed(form: FormData) -> bool:
    return text(form, "confirm", 10) == "yes"


def _confirm(
    request: Request,
    viewer: Viewer,
    action: str,
    question: str,
    consequences: list[str],
    fields: dict[str, list[str]] | None = None,
    work: list[Any] | None = None,
) -> Response:
    """The second step: what will happen, and a button that posts the same form again with confirm=yes."""
    context = {"action": action, "question": question, "consequences": consequences, "fields": fields or {}, "work": work}
    return page(request, "people_confirm.html", viewer, context)


@router.get("/people")
def people_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    _manager(viewer)
    return _people_page(request, app, viewer)


@router.post("/people", dependencies=[FORM_CSRF])
def add_person_post(request: Request, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    _manager(viewer)
    try:
        person = add_person(app, text(form, "name", 200), text(form, "email", 320), texts(form, "roles"), actor=viewer.email)
    except (Refused, BadInput) as exc:
        return refuse(
            request, "/people", "add_person", exc, echo(form), {"name": "p-name", "email": "p-email", "roles": "p-roles"}
        )
    flash(request, f"{person.name} is added. Give them a first password with 'Set a new password' below.")
    return RedirectResponse("/people", status_code=303)


@router.post("/people/{person_id}/password", dependencies=[FORM_CSRF])
def issue_password_post(request: Request, person_id: RowId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    """A new random password, shown once on this page (never put in a cookie or a redirect), stored hashed."""
    _manager(viewer)
    person = person_by_id(app, person_id)
    if not _confirmed(form):
        return _confirm(
            request,
            viewer,
            f"/people/{person_id}/password",
            f"Set a new password for {person.name}?",
            [
                f"Their current password stops working, and every session of {person.name} ends now.",
                "The new password is shown to you once, on the next page: give it to them in person.",
            ],
        )
    try:
        password = issue_password(app, person.email, actor=viewer.email)
    except (Refused, BadInput) as exc:
        return refuse(request, "/people", f"person:{person_id}", exc, {})
    return _people_page(
        request,
        app,
        viewer,
        issued={"name": person.name, "email": person.email, "password": password},
        headers={"Cache-Control": "no-store"},
    )


@router.post("/people/{person_id}/roles", dependencies=[FORM_CSRF])
def set_roles_post(request: Request, person_id: RowId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    _manager(viewer)
    person, chosen, roles = person_by_id(app, person_id), texts(form, "roles"), _roles(app)
    if not _confirmed(form):

        def label(names: list[str]) -> str:
            return ", ".join(roles[r].label if r in roles else r for r in names) or "no role"

        consequences = [
            f"Now: {label(person.roles)}.",
            f"After: {label(chosen)}.",
            f"Every session of {person.name} ends now: they sign in again under the new roles.",
        ]
        if person.id == viewer.id:
            consequences.insert(
                0, "These are your own roles: if you take away your own power to manage people, you cannot give it back yourself."
            )
        return _confirm(
            request, viewer, f"/people/{person_id}/roles", f"Change the roles of {person.name}?", consequences, {"roles": chosen}
        )
    try:
        set_roles(app, person.email, chosen, actor=viewer.email)
    except (Refused, BadInput) as exc:
        return refuse(request, "/people", f"person:{person_id}", exc, {})
    flash(request, f"{person.name}'s roles are saved.")
    return RedirectResponse("/people", status_code=303)


@router.post("/people/{person_id}/deactivate", dependencies=[FORM_CSRF])
def deactivate_post(request: Request, person_id: RowId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    _manager(viewer)
    person = person_by_id(app, person_id)
    if not _confirmed(form):
        return _confirm(
            request,
            viewer,
            f"/people/{person_id}/deactivate",
            f"Deactivate {person.name}?",
            [
                f"{person.name} can no longer sign in, and every session of theirs ends now.",
                "Their name stays on everything they did. You can reactivate them later.",
            ],
            work=open_work(app, person_id),
        )
    try:
        deactivate(app, person.email, actor=viewer.email)
    except (Refused, BadInput) as exc:
        return refuse(request, "/people", f"person:{person_id}", exc, {})
    flash(request, f"{person.name} is deactivated.")
    return RedirectResponse("/people", status_code=303)


@router.post("/people/{person_id}/reactivate", dependencies=[FORM_CSRF])
def reactivate_post(request: Request, person_id: RowId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    _manager(viewer)
    person = person_by_id(app, person_id)
    if not _confirmed(form):
        return _confirm(
            request,
            viewer,
            f"/people/{person_id}/reactivate",
            f"Reactivate {person.name}?",
            [f"{person.name} can sign in again with the roles they had ({', '.join(person.roles) or 'none'})."],
        )
    try:
        reactivate(app, person.email, actor=viewer.email)
    except (Refused, BadInput) as exc:
        return refuse(request, "/people", f"person:{person_id}", exc, {})
    flash(request, f"{person.name} is active again.")
    return RedirectResponse("/people", status_code=303)


@router.get("/people/changes")
def people_changes_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    if not may_read_people_changes(viewer):
        raise Denied("only the headteacher and the chair read the people changes")
    changes = [
        {
            "seq": c.seq,
            "at_local": app.local(c.at),
            "actor": c.actor,
            "kind": c.kind.replace("_", " "),
            "subject": c.subject,
            "details": c.details,
        }
        for c in people_changes(app)
    ]
    return page(request, "people_changes.html", viewer, {"changes": changes, "verification": verify_people_changes(app)})
