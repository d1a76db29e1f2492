"""Subject access requests as the DPO's page and `redress subject list` show them; and the search for one
person across cases, behind the same power (answer_subject_requests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.context import Redress
from engine.errors import BadInput, NotAllowed, NotFound, Refused
from engine.queries.access import load_viewer
from engine.queries.subject_search import SubjectFindings, search_cases
from engine.rules import inputs
from engine.rules.access import Power, Viewer, may_answer_subject_requests, only
from store import Person, SubjectRequest

MOST_TERMS = 10


@dataclass(frozen=True)
class SubjectRequestView:
    id: int
    requester: str
    terms: tuple[str, ...]
    received_on: date
    identity_checked: bool
    due_on: date
    first_due_on: date
    extension_reason: str | None
    told_on: date | None
    answered_on: date | None
    days_left: int
    """Calendar days from today to the due day (negative: overdue); counted to the answer once answered."""

    @property
    def overdue(self) -> bool:
        return self.answered_on is None and self.days_left < 0


def handler(app: Redress, session: Session, actor_email: str) -> tuple[Person, Viewer]:
    """The active person with this email, if they hold answer_subject_requests; refused otherwise."""
    spec = app.current_workflow(session).spec
    person = session.scalars(select(Person).where(Person.email == actor_email.strip().lower())).first()
    viewer = load_viewer(session, person.id, spec) if person is not None else None
    if person is None or viewer is None:
        raise Refused(f"nobody active in Redress has the email '{actor_email}'")
    if not may_answer_subject_requests(viewer):
        raise NotAllowed(only(spec, Power.ANSWER_SUBJECT_REQUESTS, "handle subject access requests"))
    return person, viewer


def clean_terms(terms: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The names, emails or pupil references to search for: each one line, at least two characters."""
    cleaned: list[str] = []
    for term in terms:
        if not term.strip():
            continue
        with inputs.about("terms"):
            value = inputs.name(term, "a name, email or pupil reference")
        if len(value) < 2:
            raise BadInput(f"'{value}' is too short to search for: give a name, email or pupil reference", field="terms")
        if value.lower() not in (t.lower() for t in cleaned):
            cleaned.append(value)
    if not cleaned:
        raise BadInput("give at least one name, email or pupil reference of the person", field="terms")
    if len(cleaned) > MOST_TERMS:
        raise BadInput(f"give at most {MOST_TERMS} names, emails or references", field="terms")
    return tuple(cleaned)


def request_by_id(session: Session, request_id: int) -> SubjectRequest:
    request = session.get(SubjectRequest, request_id)
    if request is None:
        raise NotFound(f"there is no subject access request {request_id}")
    return request


def subject_requests(app: Redress, actor_email: str, *, limit: int = 200) -> list[SubjectRequestView]:
    """Open requests first, soonest due first; then the answered ones, newest first (at most `limit`)."""
    today = inputs.today_in(app.clock.now(), app.zone)
    with app.db.reading() as session:
        handler(app, session, actor_email)
        query = (
            select(SubjectRequest)
            .order_by(SubjectRequest.answered_on.is_not(None), SubjectRequest.due_on, SubjectRequest.id.desc())
            .limit(limit)
        )
        return [_view(r, today) for r in session.scalars(query)]


def subject_request(app: Redress, actor_email: str, request_id: int) -> SubjectRequestView:
    today = inputs.today_in(app.clock.now(), app.zone)
    with app.db.reading() as session:
        handler(app, session, actor_email)
        return _view(request_by_id(session, request_id), today)


def find_subject(app: Redress, actor_email: str, terms: list[str] | tuple[str, ...]) -> SubjectFindings:
    """Every case the searcher sees in full that mentions the person (by any of `terms`), and where."""
    with app.db.reading() as session:
        _, viewer = handler(app, session, actor_email)
        cleaned = clean_terms(terms)
        return search_cases(app, session, viewer, cleaned)


def _view(r: SubjectRequest, today: date) -> SubjectRequestView:
    left = ((r.answered_on or today) - r.due_on).days * -1
    return SubjectRequestView(
        r.id,
        r.requester,
        tuple(r.terms),
        r.received_on,
        r.identity_checked,
        r.due_on,
        r.first_due_on,
        r.extension_reason,
        r.told_on,
        r.answered_on,
        left,
    )
