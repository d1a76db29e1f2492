"""The JSON API for corrections to a case's record and reopening: the same engine commands as the page
and the command line, each with a required reason kept in the audit trail."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import Field

from engine import (
    TEXT_REQUIRED_PATTERN,
    add_party,
    correct_case,
    erase_evidence,
    hold_case,
    release_hold,
    remove_party,
    reopen_case,
    withdraw_evidence,
)
from web.api.cases import ERRORS, CaseId
from web.api.models import MAX_INT, Contact, Description, Email, Identifier, Name, Summary, _In
from web.session import API_CSRF, RedressDep, ViewerDep
from web.views import seen_case

router = APIRouter(prefix="/api/cases/{case_id}", tags=["corrections"], responses=ERRORS, dependencies=[API_CSRF])

Reason = Annotated[
    str, Field(min_length=1, max_length=2000, pattern=TEXT_REQUIRED_PATTERN, description="Why: kept with the correction.")
]
ItemId = Annotated[int, Path(ge=1, le=MAX_INT)]


class CorrectionIn(_In):
    reason: Reason
    summary: Summary | None = None
    categories: list[Identifier] | None = Field(default=None, max_length=20)


class PartyIn(_In):
    kind: Literal["staff", "pupil", "poster"]
    reason: Reason
    email: Email | None = None
    name: Name | None = None
    contact: Contact | None = None
    address: Description | None = None
    reference: Name | None = None


class ReasonIn(_In):
    reason: Reason


@router.post("/corrections")
def correct(case_id: CaseId, body: CorrectionIn, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    """Correct the case's summary or categories; answers the changes made (old and new values)."""
    seen_case(app, viewer, case_id)
    return {"changes": correct_case(app, case_id, viewer.email, body.reason, summary=body.summary, categories=body.categories)}


@router.post("/parties", status_code=201)
def add(case_id: CaseId, body: PartyIn, app: RedressDep, viewer: ViewerDep) -> dict[str, int]:
    """Add a member of staff concerned (told at once), a pupil or a poster."""
    seen_case(app, viewer, case_id)
    return {
        "id": add_party(
            app,
            case_id,
            viewer.email,
            body.kind,
            body.reason,
            email=body.email,
            name=body.name,
            contact=body.contact,
            address=body.address,
            reference=body.reference,
        )
    }


@router.post("/parties/{party_id}/remove", status_code=204)
def remove(case_id: CaseId, party_id: ItemId, body: ReasonIn, app: RedressDep, viewer: ViewerDep) -> None:
    """Take someone off the case; a member of staff removed no longer sees the matter."""
    seen_case(app, viewer, case_id)
    remove_party(app, case_id, viewer.email, party_id, body.reason)


@router.post("/evidence/{evidence_id}/withdraw", status_code=204)
def withdraw(case_id: CaseId, evidence_id: ItemId, body: ReasonIn, app: RedressDep, viewer: ViewerDep) -> None:
    """Withdraw an evidence item from the list: it stays stored and in the trail."""
    seen_case(app, viewer, case_id)
    withdraw_evidence(app, case_id, viewer.email, evidence_id, body.reason)


@router.post("/reopen")
def reopen(case_id: CaseId, body: ReasonIn, app: RedressDep, viewer: ViewerDep) -> dict[str, str]:
    """Reopen a closed case into the stage its workflow declares for reopening."""
    seen_case(app, viewer, case_id)
    return {"stage": reopen_case(app, case_id, viewer.email, body.reason)}


@router.post("/evidence/{evidence_id}/erase")
def erase(case_id: CaseId, evidence_id: ItemId, body: ReasonIn, app: RedressDep, viewer: ViewerDep) -> dict[str, Any]:
    """Erase an evidence file uploaded by mistake (the `erase_records` power): the file leaves the store, a
    tombstone keeps who, when, why and its SHA-256; answers the certificate."""
    seen_case(app, viewer, case_id)
    certificate = erase_evidence(app, case_id, viewer.email, evidence_id, body.reason)
    return {
        "certificate": certificate.id,
        "rule": certificate.rule,
        "what": list(certificate.what),
        "event": certificate.event_seq,
    }


@router.post("/hold", status_code=204)
def hold(case_id: CaseId, body: ReasonIn, app: RedressDep, viewer: ViewerDep) -> None:
    """Put the case under a legal hold (the `hold_cases` power): it is never purged while held."""
    seen_case(app, viewer, case_id)
    hold_case(app, case_id, viewer.email, body.reason)


@router.post("/release", status_code=204)
def release(case_id: CaseId, body: ReasonIn, app: RedressDep, viewer: ViewerDep) -> None:
    """Release the case's legal hold (the `hold_cases` power)."""
    seen_case(app, viewer, case_id)
    release_hold(app, case_id, viewer.email, body.reason)
