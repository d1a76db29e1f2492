"""The monitoring report (engine.report) as a page: counts by period, category, stage and outcome."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from engine import Viewer, build_report, may_read_report, report_charts
from web.errors import Denied
from web.session import RedressDep, ViewerDep
from web.templating import page

router = APIRouter(include_in_schema=False)

FIRST, LAST = date(2000, 1, 1), date(2100, 12, 31)
"""The dates a report may span: a school's records, not the whole calendar (which would cost memory to count)."""
_DAYS = {"pattern": r"^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"}  # published: FIRST to LAST
From = Annotated[
    date | None, Query(alias="from", ge=FIRST, le=LAST, description="The first day, as YYYY-MM-DD.", json_schema_extra=_DAYS)
]
To = Annotated[
    date | None, Query(alias="to", ge=FIRST, le=LAST, description="The last day, as YYYY-MM-DD.", json_schema_extra=_DAYS)
]
By = Annotated[Literal["month", "term"], Query(description="Count by month or by term.")]


def may_read(viewer: Viewer) -> None:
    if not may_read_report(viewer):
        raise Denied("the monitoring report is for the headteacher, the chair and the coordinator")


@router.get("/report")
def report_page(
    request: Request, app: RedressDep, viewer: ViewerDep, start: From = None, end: To = None, by: By = "month"
) -> Response:
    may_read(viewer)
    report = build_report(app, start, end, by)
    charts = report_charts(report)
    return page(request, "report.html", viewer, {"report": report, "charts": [charts["categories"], charts["periods"]]})
