"""Pages to read: the incident log and the workflow as a diagram."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from engine import PAGE, LogFilter, Redress, export_log, list_people, may_read_log, search_log
from web.errors import Denied
from web.session import RedressDep, ViewerDep
from web.templating import page
from workflows import render
from workflows.render.svg import workflow_svg

router = APIRouter(include_in_schema=False)


Text = Annotated[str | None, Query(max_length=200)]
From = Annotated[date | None, Query(alias="from", ge=date(2000, 1, 1), le=date(2100, 12, 31))]
To = Annotated[date | None, Query(alias="to", ge=date(2000, 1, 1), le=date(2100, 12, 31))]


def log_filter(
    category: Text = None,
    stage: Text = None,
    outcome: Text = None,
    opened_from: From = None,
    opened_to: To = None,
    staff: Text = None,
    poster: Text = None,
) -> LogFilter:
    """The log's filters as the query string gives them (the page and its CSV read the same ones); an empty
    field filters nothing."""
    return LogFilter(
        category or None, stage or None, outcome or None, opened_from, opened_to, staff or None, (poster or "").strip() or None
    )


LogFilterDep = Annotated[LogFilter, Depends(log_filter)]


def _outcomes(app: Redress) -> list[str]:
    spec = app.current_workflow().spec
    found = [a.outcome or spec.stages[a.to].title for a in spec.actions.values() if a.to in spec.stages and spec.is_final(a.to)]
    return list(dict.fromkeys(found))


@router.get("/log")
def log_page(
    request: Request,
    app: RedressDep,
    viewer: ViewerDep,
    wanted: LogFilterDep,
    page_number: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
) -> Response:
    """The log, searched and filtered in the database, a page at a time; the same filter downloads as CSV."""
    if not may_read_log(viewer):
        raise Denied("the incident log is kept by the coordinator and the headteacher")
    log = search_log(app, viewer, wanted, offset=(page_number - 1) * PAGE, limit=PAGE)
    pages = max(1, -(-log.total // log.limit))
    query = urlencode({k: v for k, v in request.query_params.items() if k != "page" and v})
    spec = app.current_workflow().spec
    context = {
        "log": log,
        "page_number": page_number,
        "pages": pages,
        "wanted": wanted,
        "query": query,
        "categories": spec.categories,
        "stages": spec.stages,
        "outcomes": _outcomes(app),
        "staff_people": [p for p in list_people(app) if p.active],
    }
    return page(request, "log.html", viewer, context)


@router.get("/log.csv")
def log_csv(request: Request, app: RedressDep, viewer: ViewerDep, wanted: LogFilterDep) -> Response:
    """The filtered log as CSV, for those who read the log; each export is kept on the school's trail."""
    lines = export_log(app, viewer, wanted)
    stamp = app.clock.now().astimezone(app.zone).strftime("%Y-%m-%d")
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="incident-log-{stamp}.csv"'},
    )


@router.get("/workflow")
def workflow_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    spec = app.current_workflow().spec
    context = {"spec": spec, "svg": workflow_svg(spec), "mermaid": render.mermaid(spec), "text": render.text(spec)}
    return page(request, "workflow.html", viewer, context)
