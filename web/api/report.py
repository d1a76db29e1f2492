"""The monitoring report as JSON: the same stable form as `redress report --json` (docs/report.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from engine import build_report
from web.api.cases import ERRORS
from web.api.strict import StrictJsonRoute
from web.routes.report import By, From, To, may_read
from web.session import RedressDep, ViewerDep

router = APIRouter(route_class=StrictJsonRoute, prefix="/api", tags=["report"], responses=ERRORS)


@router.get("/report", response_model=dict[str, Any])
def report(app: RedressDep, viewer: ViewerDep, start: From = None, end: To = None, by: By = "month") -> dict[str, Any]:
    """Counts and school days of the cases between two dates: no names, no summaries."""
    may_read(viewer)
    return build_report(app, start, end, by).to_dict()
