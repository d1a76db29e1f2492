"""The worker's scheduled emails that belong to no case: the headteacher's daily digest and the yearly
reminder to review the policy.

Each is sent at most once per day (digest) or per review date (review): the outbox is the record
of what went out, so a restart, a second worker or `redress worker --once` run by cron never sends
one twice. Workers on PostgreSQL take an advisory lock around the check; SQLite's write lock
serialises them anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from engine.commands.notify import Renders, queue, rendered_first
from engine.context import Redress
from engine.queries.access import load_access
from engine.queries.review import next_review_date
from engine.rules import notices
from engine.rules.access import Power, Viewer, case_sight, holders
from engine.rules.timing import digest_due, due_soon_until, review_due
from store import Case, Checkpoint, OutboxMessage, Person, SubjectRequest, Timer, VerificationRun

DIGEST, REVIEW = "daily_digest", "policy_review"
SAR_NOTICE_DAYS = 7
_LOCK_KEY = 0x5245_4452  # "REDR": one advisory lock for both checks


@dataclass(frozen=True)
class ReportsResult:
    digest: int = 0
    review: int = 0
    """How many emails of each were queued."""


def send_reports_if_due(app: Redress) -> ReportsResult:
    return ReportsResult(send_digest_if_due(app), send_review_if_due(app))


def send_digest_if_due(app: Redress) -> int:
    """Queue the daily digest to the headteacher(s), if today's is due and not yet sent."""
    now = app.clock.now()

    def command(renders: Renders, rehearsal: bool) -> int:  # rendered before the write transaction
        with app.db.unit_of_work() as session, renders.staged(session, rehearsal):
            _serialise(app, session)
            if not digest_due(app.calendar, app.settings, now, _last_sent(session, DIGEST)):
                return 0
            powers = app.current_workflow(session).spec
            context = digest_context(app, session, now)
            access = load_access(session, {item["id"] for item in [*context["overdue"], *context["due_soon"]]})
            sent = 0
            for person in _people_with(session, holders(powers, Power.RECEIVE_DIGEST)):
                # Each reader's own digest: a case they may not read in full is a line of the incident log, or nothing.
                viewer = Viewer.of(powers, person.id, person.email, person.name, person.roles)
                sights = {i: case_sight(viewer, facts, app.compiled(facts.workflow_id).spec) for i, facts in access.items()}
                sent += queue(app, session, None, DIGEST, [person], notices.digest_for(context, sights))
            return sent

    return rendered_first(app, command)


def send_review_if_due(app: Redress) -> int:
    """Queue the policy review reminder to the headteacher(s) and coordinator(s), once per review date."""
    now = app.clock.now()

    def command(renders: Renders, rehearsal: bool) -> int:  # rendered before the write transaction
        with app.db.unit_of_work() as session, renders.staged(session, rehearsal):
            _serialise(app, session)
            signed_next = next_review_date(app, session)
            review = review_due(app.calendar, app.settings, now, _last_sent(session, REVIEW), signed_next)
            if review is None:
                return 0
            return queue(
                app,
                session,
                None,
                REVIEW,
                _people_with(session, holders(app.current_workflow(session).spec, Power.RECEIVE_REVIEW_REMINDER)),
                {"review_date": spoken_date(review)},
            )

    return rendered_first(app, command)


def digest_context(app: Redress, session: Session, now: datetime) -> dict[str, Any]:
    """`overdue` and `due_soon` (within 5 school days): one item per open case, by its earliest pending deadline."""
    next_due = (
        select(Timer.case_id, func.min(Timer.due_at).label("due"))
        .where(Timer.status == "pending", Timer.due_at < due_soon_until(app.calendar, now))
        .group_by(Timer.case_id)
        .subquery()
    )
    rows = session.execute(
        select(Case.id, Case.summary, Case.categories, Case.stage, Case.workflow_id, next_due.c.due)
        .join(next_due, next_due.c.case_id == Case.id)
        .where(Case.closed_at.is_(None))
        .order_by(next_due.c.due, Case.id)
    ).all()
    overdue: list[dict[str, Any]] = []
    due_soon: list[dict[str, Any]] = []
    for row in rows:
        title = app.compiled(row.workflow_id).spec.stages[row.stage].title
        spec = app.compiled(row.workflow_id).spec
        labels = [spec.categories[c].label for c in row.categories if c in spec.categories]
        item = {"id": row.id, "summary": row.summary, "categories": labels, "stage_title": title, "due": app.local(row.due)}
        (overdue if row.due <= now else due_soon).append(item)
    return {
        "overdue": overdue,
        "due_soon": due_soon,
        "integrity": integrity_context(app, session),
        "subject_requests": subject_requests_context(app, session, now),
    }


def subject_requests_context(app: Redress, session: Session, now: datetime) -> list[dict[str, Any]]:
    """Open subject access requests due within SAR_NOTICE_DAYS calendar days, or overdue: by number and date only
    (no name: the digest's readers need not hold answer_subject_requests)."""
    today = now.astimezone(app.zone).date()
    rows = session.execute(
        select(SubjectRequest.id, SubjectRequest.due_on)
        .where(SubjectRequest.answered_on.is_(None), SubjectRequest.due_on <= today + timedelta(days=SAR_NOTICE_DAYS))
        .order_by(SubjectRequest.due_on, SubjectRequest.id)
    )
    return [{"id": r.id, "due": spoken_date(r.due_on), "overdue": r.due_on < today} for r in rows]


def integrity_context(app: Redress, session: Session) -> dict[str, Any]:
    """The latest verification and the current checkpoint's hash: a copy of the checkpoint that leaves the
    database every day, in the headteacher's mailbox."""
    run = session.scalars(select(VerificationRun).order_by(VerificationRun.id.desc()).limit(1)).first()
    point = session.execute(
        select(Checkpoint.seq, Checkpoint.hash, Checkpoint.at).order_by(Checkpoint.seq.desc()).limit(1)
    ).first()
    return {
        "verified": None
        if run is None
        else {"ok": run.ok, "at": app.local(run.at), "problems": list(run.problems)[:5], "more": max(0, len(run.problems) - 5)},
        "checkpoint": None if point is None else {"seq": point.seq, "hash": point.hash, "at": app.local(point.at)},
    }


def spoken_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _serialise(app: Redress, session: Session) -> None:
    if app.db.dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def _last_sent(session: Session, template: str) -> datetime | None:
    return session.scalar(
        select(func.max(OutboxMessage.created_at)).where(OutboxMessage.template == template, OutboxMessage.case_id.is_(None))
    )


def _people_with(session: Session, roles: Iterable[str]) -> list[Person]:
    wanted = set(roles)
    people = session.scalars(select(Person).where(Person.active.is_(True)).order_by(Person.id))
    return [person for person in people if wanted & set(person.roles)]
