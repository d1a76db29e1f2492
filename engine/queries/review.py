"""The annual policy review as it stands: the checklist's answers, the statement, the signatures and the
record of who gave each, read from the append-only review_events (store.ReviewEvent).

An answer is the latest given for its point. A signature counts while no answer or statement has changed
since it was given (a signature vouches for what was there when it was given); when all three reviewers'
signatures count, the review is signed off, and the signature that completed it set the next review date.
Where no reviewer has answered yet, Redress offers what its own records truly show (who holds the
coordinator's and the nominated director's roles, last year's sign-off, the year's case counts), marked so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.context import Redress
from engine.rules.access import Power, holders
from engine.rules.review import ANSWERS, BY_KEY, CHECKLIST, REVIEWERS, STATEMENT
from store import OutboxMessage, Person, ReviewEvent

if TYPE_CHECKING:
    from engine.report.monitoring import Report

ANSWER, STATEMENT_KIND, SIGNED = "answer", "statement", "signed"


@dataclass(frozen=True)
class ReviewItem:
    """One point of the checklist: the answer given (or offered from Redress's records), and its evidence."""

    number: int
    point: str
    answer: str
    """'yes', 'no', 'na', or '' when nobody has answered (and Redress has nothing true to offer)."""
    answer_label: str
    """Yes, No, N/A, or ''."""
    evidence: str
    from_data: bool
    """The answer or evidence is Redress's offer from its records: no reviewer has answered this point yet."""
    answered_by: str
    answered_at: datetime | None


@dataclass(frozen=True)
class ReviewSignature:
    key: str
    title: str
    """People's words: 'the e-Safety coordinator'."""
    name: str
    """Who signed, '' while unsigned."""
    at: datetime | None
    withdrawn_by_change: bool = False
    """This reviewer signed once, but an answer changed after: they sign again."""


@dataclass(frozen=True)
class ReviewEntry:
    """One line of the review's record: who answered or signed what, and when."""

    at: datetime
    name: str
    email: str
    what: str


@dataclass(frozen=True)
class ReviewSheet:
    year: int
    items: tuple[ReviewItem, ...]
    statement: str
    statement_by: str
    signatures: tuple[ReviewSignature, ...]
    unanswered: tuple[int, ...]
    """The points no reviewer has answered yet (a data offer is not an answer until a reviewer saves it)."""
    signed_off_on: date | None
    next_review: date | None
    """Set when the last of the three signed: a year on."""
    record: tuple[ReviewEntry, ...]
    """Newest first."""

    @property
    def complete(self) -> bool:
        return self.signed_off_on is not None

    @property
    def statement_title(self) -> str:
        return STATEMENT


@dataclass(frozen=True)
class StoredReview:
    """The events of one year, read once: what the commands check against and the sheet shows."""

    answers: dict[int, ReviewEvent]
    statement: ReviewEvent | None
    valid: dict[str, ReviewEvent]
    """capacity -> its signature that still counts."""
    stale: frozenset[str]
    completed: ReviewEvent | None
    events: tuple[ReviewEvent, ...]


def stored_review(session: Session, year: int) -> StoredReview:
    events = tuple(session.scalars(select(ReviewEvent).where(ReviewEvent.year == year).order_by(ReviewEvent.id)))
    answers: dict[int, ReviewEvent] = {}
    statement: ReviewEvent | None = None
    valid: dict[str, ReviewEvent] = {}
    signed_before: set[str] = set()
    completed: ReviewEvent | None = None
    for event in events:
        if event.kind == SIGNED:
            valid[event.capacity] = event
            if event.next_review is not None:
                completed = event
            continue
        if event.kind == ANSWER and event.point is not None:
            answers[event.point] = event
        elif event.kind == STATEMENT_KIND:
            statement = event
        signed_before |= set(valid)
        valid = {}
    return StoredReview(answers, statement, valid, frozenset(signed_before - set(valid)), completed, events)


def next_review_date(app: Redress, session: Session | None = None) -> date | None:
    """The next review date the latest complete sign-off set, if any review has been signed off."""
    query = select(ReviewEvent.next_review).where(ReviewEvent.next_review.is_not(None)).order_by(ReviewEvent.id.desc())
    if session is not None:
        return session.scalars(query.limit(1)).first()
    with app.db.reading() as reading:
        return reading.scalars(query.limit(1)).first()


def review_sheet(app: Redress, year: int, report: Report | None = None) -> ReviewSheet:
    """The review of `year` as it stands; `report` (that year's figures) lets Redress offer its case counts."""
    with app.db.reading() as session:
        stored = stored_review(session, year)
        names = {p.id: p.name for p in session.scalars(select(Person))}
        offers = _offers(app, session, year, report)
    items = []
    for number, point in enumerate(CHECKLIST, start=1):
        given = stored.answers.get(number)
        if given is not None:
            who = names.get(given.actor_id or 0, given.actor)
            items.append(ReviewItem(number, point, given.answer, ANSWERS.get(given.answer, ""), given.text, False, who, given.at))
        else:
            answer, evidence = offers.get(number, ("", ""))
            items.append(ReviewItem(number, point, answer, ANSWERS.get(answer, ""), evidence, bool(answer or evidence), "", None))
    signatures = tuple(_signature(r.key, r.title, stored, names) for r in REVIEWERS)
    completed = stored.completed
    return ReviewSheet(
        year=year,
        items=tuple(items),
        statement=stored.statement.text if stored.statement else "",
        statement_by=names.get(stored.statement.actor_id or 0, stored.statement.actor) if stored.statement else "",
        signatures=signatures,
        unanswered=tuple(n for n in range(1, len(CHECKLIST) + 1) if n not in stored.answers),
        signed_off_on=_day(app, completed.at) if completed else None,
        next_review=completed.next_review if completed else None,
        record=tuple(_entry(e, names) for e in reversed(stored.events)),
    )


def _day(app: Redress, at: datetime) -> date:
    return at.astimezone(app.zone).date()


def _signature(key: str, title: str, stored: StoredReview, names: dict[int, str]) -> ReviewSignature:
    event = stored.valid.get(key)
    if event is None:
        return ReviewSignature(key, title, "", None, key in stored.stale)
    return ReviewSignature(key, title, names.get(event.actor_id or 0, event.actor), event.at)


def _entry(event: ReviewEvent, names: dict[int, str]) -> ReviewEntry:
    name = names.get(event.actor_id or 0, event.actor)
    if event.kind == SIGNED:
        title = BY_KEY[event.capacity].title if event.capacity in BY_KEY else event.capacity
        what = f"signed the review as {title}"
        if event.next_review is not None:
            what += f": the review is signed off, the next is due on {event.next_review:%d %B %Y}"
    elif event.kind == STATEMENT_KIND:
        what = "wrote the statement of the policy's effectiveness"
    else:
        point = CHECKLIST[event.point - 1] if event.point and 0 < event.point <= len(CHECKLIST) else str(event.point)
        what = f"answered '{point}': {ANSWERS.get(event.answer, event.answer)}"
        if event.text:
            what += f" ({event.text})"
    return ReviewEntry(event.at, name, event.actor, what)


def _in_place(app: Redress, session: Session, power: Power) -> tuple[str, str]:
    """Yes when someone active holds the role in Redress; else no answer (someone may hold it outside Redress).
    A count, not names: the review goes to the directors and may be published."""
    spec = app.current_workflow(session).spec
    roles = holders(spec, power)
    label = "' or '".join(sorted(spec.roles[r].label if r in spec.roles else r for r in roles))
    held = sum(1 for active, had in session.execute(select(Person.active, Person.roles)) if active and roles & set(had))
    if held:
        return "yes", f"{held} active person(s) in Redress hold the role '{label}'"
    return "", f"Nobody active in Redress holds the role '{label}': answer from what the school knows"


def _offers(app: Redress, session: Session, year: int, report: Report | None) -> dict[int, tuple[str, str]]:
    """What Redress's records truly answer, by point number: (answer or '', evidence)."""
    offers = {
        3: _in_place(app, session, Power.COORDINATE_ESAFETY),
        4: _in_place(app, session, Power.OVERSEE_ESAFETY),
        1: _last_year(app, session, year),
    }
    if report is not None:
        opened, closed = report.count("totals", "opened"), report.count("totals", "closed")
        missed = report.count("deadlines_missed", "total")
        offers[24] = (
            "",
            f"In {year} Redress recorded {opened} case(s) opened and {closed} closed; {missed} deadline(s) of the "
            "procedure passed with nothing done (reminders and automatic escalations that fired)",
        )
    return offers


def _last_year(app: Redress, session: Session, year: int) -> tuple[str, str]:
    """Yes when the review of the year before was signed off in Redress; else what is known, with no answer."""
    before = stored_review(session, year - 1).completed
    if before is not None:
        return "yes", f"The review of {year - 1} was signed off in Redress on {_day(app, before.at):%d %B %Y}"
    times = session.scalars(select(OutboxMessage.created_at).where(OutboxMessage.template == "policy_review"))
    days = sorted(d for d in (_day(app, at) for at in times) if d.year == year)
    if days:
        return "", f"No review of {year - 1} was signed off in Redress; the review reminder was sent on {days[0]:%d %B %Y}"
    return "", f"No review of {year - 1} was signed off in Redress"


def review_years(app: Redress, session: Session | None = None) -> Sequence[int]:
    """The years with anything recorded in their review, newest first."""
    query = select(ReviewEvent.year).distinct().order_by(ReviewEvent.year.desc())
    if session is not None:
        return list(session.scalars(query))
    with app.db.reading() as reading:
        return list(reading.scalars(query))
