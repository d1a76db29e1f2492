"""Pages to read: the incident log and the workflow as a diagram."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from engine import PAGE, incident_log, may_read_log
from web.errors import Denied
from web.session import RedressDep, ViewerDep
from web.templating import page
from workflows import render
from workflows.render.svg import workflow_svg

router = APIRouter(include_in_schema=False)


@router.get("/log")
def log_page(request: Request, app: RedressDep, viewer: ViewerDep,
             page_number: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1) -> Response:
    if not may_read_log(viewer):
        raise Denied("the incident log is kept by the coordinator and the headteacher")
    log = incident_log(app, viewer, offset=(page_number - 1) * PAGE, limit=PAGE)
    pages = max(1, -(-log.total // log.limit))
    return page(request, "log.html", viewer, {"log": log, "page_number": page_number, "pages": pages})


@router.get("/workflow")
def workflow_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    spec = app.current_workflow().spec
    context = {"spec": spec, "svg": workflow_svg(spec), "mermaid": render.mermaid(spec), "text": render.text(spec)}
    return page(request, "workflow.html", viewer, context)
