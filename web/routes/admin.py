"""The headteacher's outbox of failed email (people and their roles are in web.routes.people)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from engine import NotFound, Viewer, may_manage_people, outbox
from notifications.outbox import ALL_FAILED, retry
from web.errors import Denied
from web.session import FORM_CSRF, RedressDep, ViewerDep, flash
from web.templating import page

router = APIRouter(include_in_schema=False)

RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _headteacher(viewer: Viewer) -> None:
    if not may_manage_people(viewer):
        raise Denied("only the headteacher manages people, roles and the outbox")


@router.get("/outbox")
def outbox_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    _headteacher(viewer)
    return page(request, "outbox.html", viewer, {"outbox": outbox(app)})


@router.post("/outbox/retry", dependencies=[FORM_CSRF])
def retry_all(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    _headteacher(viewer)
    count = retry(app.db, ALL_FAILED, app.clock.now(), actor=viewer.email)
    flash(request, f"{count} message(s) will be sent again shortly.")
    return RedirectResponse("/outbox", status_code=303)


@router.post("/outbox/{message_id}/retry", dependencies=[FORM_CSRF])
def retry_one(request: Request, message_id: RowId, app: RedressDep, viewer: ViewerDep) -> Response:
    _headteacher(viewer)
    if not retry(app.db, message_id, app.clock.now(), actor=viewer.email):
        raise NotFound(f"there is no failed message {message_id} to send again")
    flash(request, f"Message {message_id} will be sent again shortly.")
    return RedirectResponse("/outbox", status_code=303)
