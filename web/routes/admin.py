"""The school's pages: people and their roles (the headteacher), and the outbox of failed email."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from engine import (
    ALL_FAILED,
    may_resend_email,
    read_outbox,
    resend,
)
from web.errors import Denied
from web.session import FORM_CSRF, RedressDep, ViewerDep, flash
from web.templating import page

router = APIRouter(include_in_schema=False)

RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
OUTBOX_KEPT = "the outbox is kept by the headteacher and the coordinator"


@router.get("/outbox")
def outbox_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    if not may_resend_email(viewer):
        raise Denied(OUTBOX_KEPT)
    return page(
        request, "outbox.html", viewer, {"outbox": read_outbox(app, failed_only=True), "nowhere": app.settings.mail_goes_nowhere}
    )


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
