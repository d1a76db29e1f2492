"""The dashboard: what waits for this person."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from engine import dashboard
from web.session import RedressDep, ViewerDep
from web.templating import page

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    return page(request, "dashboard.html", viewer, {"board": dashboard(app, viewer)})
