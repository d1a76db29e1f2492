"""The JSON API for cases: list, open, read, act, and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from engine import (
    OpenCase,
    Sight,
    audit_trail,
    matter_view,
    may_open_case,
    open_case,
    show_case,
    take_action,
    verify_trail,
    visible_cases,
)
from web.api.models import (
    MAX_INT,
    ActionIn,
    ActionResultOut,
    AuditOut,
    CaseOut,
    CaseSummaryOut,
    CreatedOut,
    ErrorOut,
    MatterOut,
    OpenCaseIn,
)
from web.api.strict import StrictJsonRoute
from web.errors import Denied
from web.session import API_CSRF, RedressDep, ViewerDep
from web.views import permitted_action, seen_case

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (401, 403, 404, 409, 422)}
router = APIRouter(route_class=StrictJsonRoute, prefix="/api", tags=["cases"], responses=ERRORS)

CaseId = Annotated[int, Path(ge=1, le=MAX_INT)]
ActionName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]


@router.get("/cases", response_model=list[CaseSummaryOut])
def list_visible(app: RedressDep, viewer: ViewerDep,
                 status: Annotated[Literal["open", "closed"] | None, Query()] = None) -> list[dict[str, Any]]:
    """The cases you may see in full, oldest first."""
    return visible_cases(app, viewer, status=status)


@router.post("/cases", status_code=201, response_model=CreatedOut, dependencies=[API_CSRF])
def open_case_api(body: OpenCaseIn, app: RedressDep, viewer: ViewerDep) -> dict[str, int]:
    """Open a case (the roles the workflow lets open one)."""
    if not may_open_case(viewer, app.current_workflow().spec):
        raise Denied("you may not open a case")
    details = OpenCase(categories=body.categories, summary=body.summary, staff=body.staff, pupils=body.pupils,
                       posters=[(p.name, p.contact) for p in body.posters], platform=body.platform, link=body.link,
                       seen_at=body.seen_at)
    return {"id": open_case(app, viewer.email, details)}


def _with_downloads(view: dict[str, Any]) -> dict[str, Any]:
    for item in view["evidence"]:
        item["download"] = f"/cases/{view['id']}/evidence/{item['id']}" if item["kind"] == "file" else None
    return view


@router.get("/cases/{case_id}", response_model=CaseOut | MatterOut)
def read_case(case_id: CaseId, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    """A case in full; or, for the staff member concerned, only that it is being dealt with and by whom."""
    _, sight = seen_case(app, viewer, case_id, at_least=Sight.MATTER)
    if sight is Sight.MATTER:
        return {"view": "matter", **matter_view(app, case_id)}
    return {"view": "full", **_with_downloads(show_case(app, case_id, viewer.email))}


@router.post("/cases/{case_id}/actions/{action_name}", response_model=ActionResultOut, dependencies=[API_CSRF])
def act(case_id: CaseId, action_name: ActionName, body: ActionIn, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    """Take an action the workflow allows you now; give `expected_version` to be told of a change meanwhile (409)."""
    permitted_action(app, viewer, case_id, action_name)
    result = take_action(app, case_id, action_name, viewer.email, dict(body.fields), note=body.note,
                         expected_version=body.expected_version)
    return {"case_id": result.case_id, "action": result.action, "stage_before": result.stage_before,
            "stage_after": result.stage_after, "version": result.version, "notified": result.notified, "closed": result.closed}


@router.get("/cases/{case_id}/audit", response_model=AuditOut)
def audit(case_id: CaseId, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    """Every event of the case in order, and whether its hash chain is intact."""
    seen_case(app, viewer, case_id)
    check = verify_trail(app, case_id)
    return {"events": audit_trail(app, case_id),
            "verification": {"ok": check.ok, "checked": check.checked, "first_bad_seq": check.first_bad_seq, "reason": check.reason}}
