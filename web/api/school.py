"""The JSON API beyond single cases: who you are, the incident log, people and roles, the outbox."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from engine import (
    ALL_FAILED,
    MAX_PAGE,
    PAGE,
    FailedMessage,
    OutboxPage,
    Viewer,
    add_person,
    as_json,
    incident_log,
    list_people,
    may_manage_people,
    may_read_log,
    may_resend_email,
    person_by_id,
    read_outbox,
    resend,
    set_roles,
)
from web.api.cases import ERRORS, PAGED, Limit, Offset, paged
from web.api.models import MAX_INT, CreatedOut, LogEntryOut, MeOut, OutboxOut, PersonIn, PersonOut, RetryOut, RolesIn
from web.api.strict import StrictJsonRoute
from web.errors import Denied
from web.session import API_CSRF, RedressDep, ViewerDep, csrf_token

router = APIRouter(route_class=StrictJsonRoute, prefix="/api", tags=["school"], responses=ERRORS)
RowId = Annotated[int, Path(ge=1, le=MAX_INT)]


def _headteacher(viewer: Viewer) -> None:
    if not may_manage_people(viewer):
        raise Denied("only the headteacher manages people and roles")


@router.get("/me", response_model=MeOut)
def me(request: Request, viewer: ViewerDep) -> dict[str, Any]:
    """Who is signed in, and the CSRF token to send as X-CSRF-Token with every change."""
    return {
        "id": viewer.id,
        "email": viewer.email,
        "name": viewer.name,
        "roles": sorted(viewer.roles),
        "csrf_token": csrf_token(request),
    }


@router.get("/log", response_model=list[LogEntryOut], responses=PAGED)  # type: ignore[valid-type]
def log(app: RedressDep, viewer: ViewerDep, offset: Offset = 0, limit: Limit = PAGE) -> Response:
    """One page of the incident log, newest first: each case's date, categories and stage; the summary only of
    cases you see in full."""
    if not may_read_log(viewer):
        raise Denied("the incident log is kept by the coordinator and the headteacher")
    page = incident_log(app, viewer, offset=offset, limit=limit)
    return paged(page.items, page.total)


def _person(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "email": p.email,
        "roles": list(p.roles),
        "active": p.active,
        "can_sign_in": p.password_hash is not None,
    }


@router.get("/people", response_model=list[PersonOut])
def people(app: RedressDep, viewer: ViewerDep) -> list[dict[str, Any]]:
    _headteacher(viewer)
    return [_person(p) for p in list_people(app)]


@router.post("/people", status_code=201, response_model=CreatedOut, dependencies=[API_CSRF])
def add(body: PersonIn, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    """Add a person; they sign in once `redress people set-password` has given them a password."""
    _headteacher(viewer)
    return {"id": add_person(app, body.name, body.email, body.roles, actor=viewer.email).id}


@router.put("/people/{person_id}/roles", response_model=PersonOut, dependencies=[API_CSRF])
def roles(person_id: RowId, body: RolesIn, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    _headteacher(viewer)
    return _person(set_roles(app, person_by_id(app, person_id).email, body.roles, actor=viewer.email))


@router.get("/outbox", response_model=OutboxOut)
def failed_messages(app: RedressDep, viewer: ViewerDep, limit: Limit = MAX_PAGE) -> Response:
    """The newest messages that could not be sent (at most `limit`), with their errors, and how many wait to be sent."""
    if not may_resend_email(viewer):
        raise Denied("the outbox is kept by the headteacher and the coordinator")
    box = read_outbox(app, failed_only=True, limit=limit)
    failed = tuple(
        FailedMessage(m.id, m.case_id, m.to, m.subject, m.template, m.attempts, m.last_error, m.created_at) for m in box.messages
    )
    return JSONResponse(as_json(OutboxPage(failed, box.waiting)))


# Sending again is `resend`'s to allow or refuse (403 when the viewer may not), as for the CLI and the pages.
@router.post("/outbox/retry", response_model=RetryOut, dependencies=[API_CSRF])
def retry_all(app: RedressDep, viewer: ViewerDep) -> dict[str, int]:
    return {"requeued": resend(app, viewer, ALL_FAILED)}


@router.post("/outbox/{message_id}/retry", response_model=RetryOut, dependencies=[API_CSRF])
def retry_one(message_id: RowId, app: RedressDep, viewer: ViewerDep) -> dict[str, int]:
    return {"requeued": resend(app, viewer, message_id)}
