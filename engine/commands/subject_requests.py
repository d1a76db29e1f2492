"""Subject access requests (UK GDPR): logged with their deadline, extended (with the reason and the day the
person was told) and marked answered. Each step is one unit of work that also appends to the signed,
hash-chained access log (store.integrity), which is where a request's history is audited.

Why a table of its own, not a second workflow in workflows.yaml: a workflow here is the one current
procedure for complaint cases (cases, parties, categories, the case page and the report all assume it),
and a request has one clock fixed by law, not by the school; three commands and a table say that more
simply than teaching every case reader to tell two kinds of case apart (docs/subject-access.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from engine.context import Redress
from engine.errors import Refused
from engine.queries.subject_requests import clean_terms, handler, request_by_id
from engine.rules import inputs
from engine.rules.subject_access import MONTHS_TO_ANSWER, due_on, extended_due
from store import Person, SubjectRequest, integrity

RECEIVED, EXTENDED, EXPORTED, ANSWERED = "sar_received", "sar_extended", "sar_exported", "sar_answered"


@dataclass(frozen=True)
class NewRequest:
    """A request as it came: who asked, what identifies the person (names, emails, pupil references)."""

    requester: str
    terms: tuple[str, ...]
    received_on: date
    identity_checked: bool


def receive_request(app: Redress, actor_email: str, new: NewRequest) -> int:
    """Log a request received on `new.received_on`; its answer is due one calendar month later. Returns its id."""
    now = app.clock.now()
    with app.db.unit_of_work() as session:
        actor, _ = handler(app, session, actor_email)  # who may, before what they typed is judged
        with inputs.about("requester"):
            requester = inputs.name(new.requester, "who made the request")
        terms = clean_terms(new.terms)
        with inputs.about("received_on"):
            day = inputs.calendar_date(new.received_on, "the day it came")
            received = inputs.past_date(day, now, app.zone, "the day it came")
        due = due_on(received, MONTHS_TO_ANSWER, app.calendar.working_days_after)
        request = SubjectRequest(
            requester=requester,
            terms=list(terms),
            received_on=received,
            identity_checked=new.identity_checked,
            due_on=due,
            first_due_on=due,
            created_by_id=actor.id,
            created_at=now,
        )
        session.add(request)
        session.flush()
        checked = "identity checked" if new.identity_checked else "identity NOT yet checked"
        _audit(app, session, actor, request.id, RECEIVED, f"received {received}, due {due}; {checked}")
        return request.id


def extend_request(app: Redress, actor_email: str, request_id: int, months: int, reason: str, told_on: date) -> date:
    """Extend a complex request by 1 or 2 further months; refused unless the person was told within the first
    month. Returns the new due day."""
    today = inputs.today_in(app.clock.now(), app.zone)
    with app.db.unit_of_work() as session:
        actor, _ = handler(app, session, actor_email)
        with inputs.about("reason"):
            reason = inputs.text(reason, "the reason for the extension", limit=inputs.DESCRIPTION_MAX, required=True)
        with inputs.about("told_on"):
            told_on = inputs.calendar_date(told_on, "the day the person was told")
        request = open_request(session, request_id)
        if request.told_on is not None:
            raise Refused(f"request {request_id} was extended already, to {request.due_on}: it can be extended once")
        due = extended_due(request.received_on, request.first_due_on, months, told_on, today, app.calendar.working_days_after)
        request.due_on, request.extension_reason, request.told_on = due, reason, told_on
        _audit(app, session, actor, request.id, EXTENDED, f"extended by {months} month(s) to {due}, told on {told_on}: {reason}")
        return due


def answer_request(app: Redress, actor_email: str, request_id: int) -> date:
    """Mark a request answered today; returns the day."""
    today = inputs.today_in(app.clock.now(), app.zone)
    with app.db.unit_of_work() as session:
        actor, _ = handler(app, session, actor_email)
        request = open_request(session, request_id)
        request.answered_on = today
        late = f" ({(today - request.due_on).days} day(s) late)" if today > request.due_on else ""
        _audit(app, session, actor, request.id, ANSWERED, f"answered on {today}{late}")
        return today


def record_export(app: Redress, session: Session, actor: Person, request_id: int, detail: str, case_ids: list[int]) -> None:
    """The export's custody, in the caller's transaction: one entry for the request, one on each case's access log."""
    _audit(app, session, actor, request_id, EXPORTED, detail)
    for case_id in case_ids:
        integrity.append_access(
            session.connection(),
            at=app.clock.now(),
            actor=actor.email,
            actor_id=actor.id,
            case_id=case_id,
            what="subject_export",
            detail=f"subject request {request_id}",
        )


def open_request(session: Session, request_id: int) -> SubjectRequest:
    request = request_by_id(session, request_id)
    if request.answered_on is not None:
        raise Refused(f"subject access request {request_id} was answered on {request.answered_on}")
    return request


def _audit(app: Redress, session: Session, actor: Person, request_id: int, what: str, detail: str) -> None:
    integrity.append_access(
        session.connection(),
        at=app.clock.now(),
        actor=actor.email,
        actor_id=actor.id,
        case_id=None,
        what=what,
        detail=f"subject request {request_id}: {detail}"[:500],
    )
