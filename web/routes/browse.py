"""Pages to read: the incident log and the workflow as a diagram."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from engine import incident_log, may_read_log
from web.errors import Denied
from web.session import RedressDep, ViewerDep
from web.templating import page
from workflows import render
from workflows.render.svg import workflow_svg

router = APIRouter(include_in_schema=False)


@router.get("/log")
def log_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    if not may_read_log(viewer):
        raise Denied("the incident log is kept by the coordinator and the headteacher")
    return page(request, "log.html", viewer, {"log": incident_log(app, viewer)})


@router.get("/workflow")
def workflow_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    spec = app.current_workflow().spec
    context = {"spec": spec, "svg": workflow_svg(spec), "mermaid": render.mermaid(spec), "text": render.text(spec)}
    return page(request, "workflow.html", viewer, context)
