"""The JSON API's subject access reads: the requests with their deadlines, and the search for one person across
the cases the caller sees in full (a POST: a person's name never goes into a URL, and so into a log)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from engine import SubjectFindings, SubjectRequestView, as_json, find_subject, may_answer_subject_requests, subject_requests
from web.api.cases import ERRORS
from web.api.models import Name, _In, out_model
from web.api.strict import StrictJsonRoute
from web.errors import Denied
from web.session import API_CSRF, RedressDep, ViewerDep

router = APIRouter(route_class=StrictJsonRoute, prefix="/api", tags=["subject access"], responses=ERRORS)
SubjectRequestOut = out_model(SubjectRequestView, "SubjectRequestOut")
SubjectFindingsOut = out_model(SubjectFindings, "SubjectFindingsOut")


class FindIn(_In):
    terms: list[Name] = Field(min_length=1, max_length=10)
    """Names, email addresses or pupil references of the person."""


def _holder(viewer: Any) -> None:
    if not may_answer_subject_requests(viewer):
        raise Denied("only those who handle subject access requests may see them")


@router.get("/subject-requests", response_model=list[SubjectRequestOut])  # type: ignore[valid-type]
def requests(app: RedressDep, viewer: ViewerDep) -> Any:
    """Open requests first, soonest due first; then answered ones."""
    _holder(viewer)
    return as_json(subject_requests(app, viewer.email))


@router.post("/subject-requests/find", response_model=SubjectFindingsOut, dependencies=[API_CSRF])
def find(body: FindIn, app: RedressDep, viewer: ViewerDep) -> Any:
    """Every case you see in full that mentions the person, and where in it."""
    _holder(viewer)
    return as_json(find_subject(app, viewer.email, body.terms))
