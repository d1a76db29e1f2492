"""The dashboard: what waits for this person."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from engine import PAGE, dashboard, mail_trouble, may_resend_email
from web.session import RedressDep, ViewerDep
from web.templating import page

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard_page(
    request: Request, app: RedressDep, viewer: ViewerDep, page_number: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1
) -> Response:
    """The open cases page by page (PAGE a page, soonest due first); the rest of the board on every page."""
    board = dashboard(app, viewer, offset=(page_number - 1) * PAGE, limit=PAGE)
    pages = max(1, -(-board.open_total // board.limit))
    resends = may_resend_email(viewer)  # those who can send it again see mail trouble at once
    trouble = mail_trouble(app) if resends else None
    nowhere = resends and app.settings.mail_goes_nowhere
    context = {"board": board, "page_number": page_number, "pages": pages, "trouble": trouble, "nowhere": nowhere}
    return page(request, "dashboard.html", viewer, context)
