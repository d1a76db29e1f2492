"""Answering and signing off the annual policy review: one door for the page, the API and `redress review`.

Each answer, statement and signature is appended to review_events with who gave it and when (never
updated or deleted): the record of the review is its history. See engine.queries.review for how it reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from engine.commands.people import person_by_email
from engine.context import Redress
from engine.errors import BadInput, NotAllowed, Refused
from engine.queries.review import ANSWER, SIGNED, STATEMENT_KIND, StoredReview, stored_review
from engine.rules import review as rules
from engine.rules.access import Viewer
from store import Person, ReviewEvent

_LOCK = 0x5245_5649  # "REVI": answers and signatures of the review are taken one at a time (PostgreSQL)
READERS = "the headteacher, the chair, the e-Safety coordinator and the nominated director"


@dataclass(frozen=True)
class ReviewAnswer:
    """One point answered: its number (from 1, in the policy's order), Yes/No/N/A, and the evidence."""

    point: int
    answer: str
    evidence: str = ""


@dataclass(frozen=True)
class Signed:
    title: str
    """Signed as: 'the e-Safety coordinator'."""
    next_review: date | None
    """Set when this signature was the last of the three."""
    waiting_for: tuple[str, ...]


def reviewer_viewer(app: Redress, session: Session, who: Viewer | str) -> Viewer:
    """The signed-in viewer, or the person acting by email (the CLI's --as), with their powers now."""
    if isinstance(who, Viewer):
        return who
    person: Person = person_by_email(session, who)
    return Viewer.of(app.current_workflow(session).spec, person.id, person.email, person.name, person.roles)


def _one_at_a_time(app: Redress, session: Session) -> None:
    """Two reviewers signing at once must not each see the other as unsigned (and so leave the review signed by
    all three with no next review date): on PostgreSQL a transaction lock; SQLite's BEGIN IMMEDIATE serialises."""
    if app.db.dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})


def check_reader(viewer: Viewer) -> None:
    if not rules.may_read_review(viewer):
        raise NotAllowed(f"the annual review is for {READERS}")


def _check_answerer(viewer: Viewer) -> None:
    if not rules.may_answer_review(viewer):
        raise NotAllowed("only the e-Safety coordinator, the headteacher and the nominated director answer the annual review")


def _open(stored: StoredReview, year: int) -> None:
    if stored.completed is not None:
        raise Refused(f"the review of {year} is signed off: its answers can no longer be changed")


def answer_review(
    app: Redress, who: Viewer | str, year: int, answers: Sequence[ReviewAnswer], statement: str | None = None
) -> int:
    """Record the answers (and the statement) that differ from those already given; returns how many changed.
    Every problem is reported at once, each about its own field; nothing is written unless all are good.
    A change after a reviewer signed means that reviewer signs again (the page says so)."""
    today = app.clock.now().astimezone(app.zone).date()
    with app.db.unit_of_work() as session:
        _one_at_a_time(app, session)
        viewer = reviewer_viewer(app, session, who)
        _check_answerer(viewer)
        rules.review_year(year, today)
        stored = stored_review(session, year)
        _open(stored, year)
        checked, problems = _checked(answers, statement)
        if problems:
            raise BadInput(problems[0][1], problems=problems)
        now, changed = app.clock.now(), 0
        for point, (answer, evidence) in checked.items():
            given = stored.answers.get(point)
            if given is None or (given.answer, given.text) != (answer, evidence):
                session.add(_event(viewer, year, now, ANSWER, point=point, answer=answer, text=evidence))
                changed += 1
        if statement is not None:
            written = rules.statement(statement)
            if stored.statement is None or stored.statement.text != written:
                session.add(_event(viewer, year, now, STATEMENT_KIND, text=written))
                changed += 1
        return changed


def _checked(
    answers: Sequence[ReviewAnswer], statement: str | None
) -> tuple[dict[int, tuple[str, str]], list[tuple[str | None, str]]]:
    checked: dict[int, tuple[str, str]] = {}
    problems: list[tuple[str | None, str]] = []
    for given in answers:
        try:
            point = rules.point_number(given.point)
            checked[point] = (rules.answer_key(given.answer, point), rules.evidence_note(given.evidence, point))
        except BadInput as exc:
            problems.extend(exc.problems)
    if statement is not None:
        try:
            rules.statement(statement)
        except BadInput as exc:
            problems.extend(exc.problems)
    return checked, problems


def sign_review(app: Redress, who: Viewer | str, year: int, capacity: str) -> Signed:
    """Sign the review as one of the three reviewers the policy names; the person must be that reviewer, may
    sign once, and only once every point is answered and the statement written. The last of the three sets
    the next review date, a year on."""
    today = app.clock.now().astimezone(app.zone).date()
    with app.db.unit_of_work() as session:
        _one_at_a_time(app, session)
        viewer = reviewer_viewer(app, session, who)
        reviewer = rules.reviewer(capacity)
        if not viewer.can(reviewer.power):
            raise NotAllowed(f"{viewer.name} is not {reviewer.title} in Redress: only {reviewer.title} signs as {reviewer.title}")
        rules.review_year(year, today)
        stored = stored_review(session, year)
        _open(stored, year)
        if reviewer.key in stored.valid:
            raise Refused(f"{reviewer.title.capitalize()} has already signed the review of {year}")
        mine = [key for key, event in stored.valid.items() if event.actor_id == viewer.id]
        if mine:
            raise Refused(
                f"you have already signed the review of {year} as {rules.BY_KEY[mine[0]].title}: "
                "the policy's three reviewers are three people"
            )
        missing = [n for n in range(1, len(rules.CHECKLIST) + 1) if n not in stored.answers]
        if missing:
            raise Refused(f"answer every point before signing: {_points(missing)} not answered yet")
        if stored.statement is None:
            raise Refused("write the statement of the policy's overall effectiveness before signing")
        waiting = tuple(r.title for r in rules.REVIEWERS if r.key != reviewer.key and r.key not in stored.valid)
        next_review = None if waiting else rules.a_year_on(today)
        session.add(_event(viewer, year, app.clock.now(), SIGNED, capacity=reviewer.key, next_review=next_review))
        return Signed(reviewer.title, next_review, waiting)


def _points(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"point {numbers[0]} ('{rules.CHECKLIST[numbers[0] - 1]}') is"
    shown = ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
    return f"points {shown} are"


def _event(viewer: Viewer, year: int, now: object, kind: str, **values: object) -> ReviewEvent:
    return ReviewEvent(year=year, at=now, actor=viewer.email, actor_id=viewer.id, kind=kind, **values)
