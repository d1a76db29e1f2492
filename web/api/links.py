"""The JSON API for a case's memory of others: its links, the suggested matches, the course of conduct, the
defamation limitation date; link it to another case; correct when its post was first published."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from engine import as_json, link_cases, links_of, set_first_published
from web.api.cases import ERRORS, CaseId
from web.api.models import CaseLinksOut, CreatedOut, FirstPublishedIn, LinkCaseIn
from web.api.strict import StrictJsonRoute
from web.routes.records import keeper_case
from web.session import API_CSRF, RedressDep, ViewerDep
from web.views import seen_case

router = APIRouter(route_class=StrictJsonRoute, prefix="/api/cases/{case_id}", tags=["links"], responses=ERRORS)


@router.get("/linked", response_model=CaseLinksOut)
def read_links(case_id: CaseId, app: RedressDep, viewer: ViewerDep) -> Response:
    """The cases linked to this one that you see in full, the matches suggested, the course of conduct and the
    limitation date."""
    seen_case(app, viewer, case_id)
    return JSONResponse(as_json(links_of(app, case_id, viewer)))


@router.post("/linked", status_code=201, response_model=CreatedOut, dependencies=[API_CSRF])
def link(case_id: CaseId, body: LinkCaseIn, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    """Link this case to another, both ways (both cases' trails record it); `id` is the other case."""
    keeper_case(app, viewer, case_id)
    return {"id": link_cases(app, case_id, body.other_id, viewer.email, body.reason, body.basis).other_id}


@router.put("/first-published", response_model=CaseLinksOut, dependencies=[API_CSRF])
def first_published(case_id: CaseId, body: FirstPublishedIn, app: RedressDep, viewer: ViewerDep) -> Response:
    """Correct when the post was first published (null: not known); the limitation reminder follows it."""
    keeper_case(app, viewer, case_id)
    set_first_published(app, case_id, viewer.email, body.first_published_on, body.reason)
    return JSONResponse(as_json(links_of(app, case_id, viewer)))
