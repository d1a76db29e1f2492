"""The JSON API for cases: list, open, read, act, and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from engine import (
    MAX_PAGE,
    PAGE,
    CaseView,
    OpenCase,
    Sight,
    as_json,
    assign_owner,
    audit_trail,
    case_page,
    may_assign_owner,
    may_open_case,
    open_case,
    take_action,
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
    OwnerIn,
    OwnerOut,
)
from web.api.strict import StrictJsonRoute
from web.errors import Denied
from web.session import API_CSRF, RedressDep, SignedInDep, ViewerDep
from web.views import accept_read, permitted_action, seen_case

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (401, 403, 404, 409, 422)}
router = APIRouter(route_class=StrictJsonRoute, prefix="/api", tags=["cases"], responses=ERRORS)

CaseId = Annotated[int, Path(ge=1, le=MAX_INT)]
ActionName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]


Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="How many to skip (with `limit`, one page).")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"How many to give at most (default {PAGE}).")]
PAGED: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "X-Total-Count": {"description": "How many there are in all, across every page.", "schema": {"type": "integer"}}
        }
    }
}


def paged(items: object, total: int) -> JSONResponse:
    """A page of a list as the JSON list it always was, with the full count in a header."""
    return JSONResponse(as_json(items), headers={"X-Total-Count": str(total)})


@router.get("/cases", response_model=list[CaseSummaryOut], responses=PAGED)  # type: ignore[valid-type]
def list_visible(
    app: RedressDep,
    viewer: ViewerDep,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = PAGE,
) -> Response:
    """One page of the cases you may see in full, oldest first."""
    page = visible_cases(app, viewer, status=status, offset=offset, limit=limit)
    return paged(page.items, page.total)


@router.post("/cases", status_code=201, response_model=CreatedOut, dependencies=[API_CSRF])
def open_case_api(body: OpenCaseIn, app: RedressDep, viewer: ViewerDep) -> dict[str, int]:
    """Open a case (the roles the workflow lets open one)."""
    if not may_open_case(viewer, app.current_workflow().spec):
        raise Denied("you may not open a case")
    details = OpenCase(
        categories=body.categories,
        summary=body.summary,
        staff=body.staff,
        pupils=body.pupils,
        posters=[(p.name, p.contact) for p in body.posters],
        platform=body.platform,
        link=body.link,
        seen_at=body.seen_at,
        first_published_on=body.first_published_on,
    )
    return {"id": open_case(app, viewer.email, details)}


def _full(view: CaseView) -> dict[str, Any]:
    shown: dict[str, Any] = {"view": "full", **as_json(view)}
    for item in shown["evidence"]:
        item["download"] = f"/cases/{view.id}/evidence/{item['id']}" if item["kind"] == "file" else None
    return shown


@router.get("/cases/{case_id}", response_model=CaseOut | MatterOut)
def read_case(request: Request, case_id: CaseId, app: RedressDep, token: SignedInDep) -> Response:
    """A case in full; or, for the staff member concerned, only that it is being dealt with and by whom."""
    read = case_page(app, token, case_id)
    accept_read(request, read, at_least=Sight.MATTER)
    if read.matter is not None:
        return JSONResponse({"view": "matter", **as_json(read.matter)})
    assert read.page is not None
    return JSONResponse(_full(read.page.case))


@router.post("/cases/{case_id}/actions/{action_name}", response_model=ActionResultOut, dependencies=[API_CSRF])
def act(case_id: CaseId, action_name: ActionName, body: ActionIn, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    """Take an action the workflow allows you now; give `expected_version` to be told of a change meanwhile (409)."""
    permitted_action(app, viewer, case_id, action_name)
    result = take_action(
        app, case_id, action_name, viewer.email, dict(body.fields), note=body.note, expected_version=body.expected_version
    )
    return {
        "case_id": result.case_id,
        "action": result.action,
        "stage_before": result.stage_before,
        "stage_after": result.stage_after,
        "version": result.version,
        "notified": result.notified,
        "closed": result.closed,
    }


@router.get("/cases/{case_id}/audit", response_model=AuditOut)
def audit(case_id: CaseId, app: RedressDep, viewer: ViewerDep) -> Response:
    """Every event of the case in order, and its check as `redress verify --case N` makes it (chain, signatures,
    the case's rows replayed from its events, its evidence files): `verification.problems` names each failure."""
    seen_case(app, viewer, case_id)
    return JSONResponse(as_json(audit_trail(app, case_id, verify=True)))


@router.post("/cases/{case_id}/owner", response_model=OwnerOut, dependencies=[API_CSRF])
def assign(case_id: CaseId, body: OwnerIn, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    """Give the case an owner, who must see it in full (those who see every case assign)."""
    seen_case(app, viewer, case_id)
    if not may_assign_owner(viewer):
        raise Denied("only those who see every case give a case an owner")
    return {"case_id": case_id, "owner": body.owner.strip().lower(), "name": assign_owner(app, case_id, viewer.email, body.owner)}
