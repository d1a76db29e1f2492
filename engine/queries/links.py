"""The read side of memory across cases: a case's links (only the cases the viewer sees in full), the cases
that look like the same poster or thread, the course of conduct, and the defamation limitation date."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from engine.context import Redress
from engine.queries.cases import load_case
from engine.queries.views import CaseLinks, LinkedCase, LinkSuggestion
from engine.queries.visibility import full_sight
from engine.rules import links as rules
from engine.rules.access import Viewer
from store import Case, CaseLink, Party, Timer

SUGGESTED = 10
"""At most this many suggestions a page."""
MAX_CONDUCT = 500
"""A course of conduct is counted up to this many cases (the flag needs two)."""


def links_of(app: Redress, case_id: int, viewer: Viewer) -> CaseLinks:
    """A case's links for someone who sees it in full (the caller checked): the API's and the command line's read."""
    with app.db.reading() as session:
        return case_links(app, session, load_case(session, case_id), viewer)


def case_links(app: Redress, session: Session, case: Case, viewer: Viewer | None) -> CaseLinks:
    """What the case page shows of the case's links, read in the caller's transaction; the cases listed
    (linked or suggested) are only those `viewer` sees in full (every case, with no viewer: the system)."""
    seen = full_sight(app, session, viewer) if viewer is not None else None
    linked = _linked(app, session, case.id, seen)
    occasions = occasions_of(session, case.id)
    published = case.first_published_on
    reminder = session.scalar(
        select(func.min(Timer.due_at)).where(
            Timer.case_id == case.id, Timer.deadline == rules.LIMITATION_DEADLINE, Timer.status == "pending"
        )
    )
    return CaseLinks(
        case.id,
        linked,
        _suggestions(session, case, {c.id for c in linked} | _all_linked(session, case.id), seen),
        occasions,
        rules.conduct_wording(occasions) if rules.course_of_conduct(occasions) else None,
        published,
        rules.limitation_date(published) if published else None,
        reminder,
    )


def _linked(app: Redress, session: Session, case_id: int, seen: ColumnElement[bool] | None) -> tuple[LinkedCase, ...]:
    query = (
        select(
            Case.id,
            Case.workflow_id,
            Case.stage,
            Case.summary,
            Case.closed_at,
            CaseLink.basis,
            CaseLink.reason,
            CaseLink.by,
            CaseLink.at,
        )
        .join(CaseLink, CaseLink.other_id == Case.id)
        .where(CaseLink.case_id == case_id)
        .order_by(Case.id)
    )
    if seen is not None:
        query = query.where(seen)
    return tuple(
        LinkedCase(
            row.id,
            row.summary,
            app.compiled(row.workflow_id).spec.stages[row.stage].title,
            row.closed_at is not None,
            row.basis,
            row.reason,
            row.by,
            row.at,
        )
        for row in session.execute(query)
    )


def _all_linked(session: Session, case_id: int) -> set[int]:
    return set(session.scalars(select(CaseLink.other_id).where(CaseLink.case_id == case_id)))


def occasions_of(session: Session, case_id: int) -> int:
    """The cases joined to this one by links of basis 'poster', however indirectly, this one included."""
    found, frontier = {case_id}, {case_id}
    while frontier and len(found) < MAX_CONDUCT:
        step = set(
            session.scalars(select(CaseLink.other_id).where(CaseLink.case_id.in_(sorted(frontier)), CaseLink.basis == "poster"))
        )
        frontier = step - found
        found |= frontier
    return len(found)


def _suggestions(session: Session, case: Case, linked: set[int], seen: ColumnElement[bool] | None) -> tuple[LinkSuggestion, ...]:
    """Cases with a poster of the same name (case ignored) or contact, or a post at the same address; not yet linked."""
    posters = [p for p in case.parties if p.kind == "poster"]
    names = sorted({"".join(p.name.split()).lower() for p in posters if p.name and p.name.strip()})
    contacts = sorted({p.contact.strip() for p in posters if p.contact and p.contact.strip()})
    found: dict[int, str] = {}
    excluded = linked | {case.id}
    if names or contacts:
        spaceless = func.replace(func.lower(Party.name), " ", "")  # case and spacing ignored, on both databases
        match = or_(spaceless.in_(names), Party.contact.in_(contacts))
        query = (
            select(Party.case_id)
            .join(Case, Case.id == Party.case_id)
            .where(Party.kind == "poster", match, Party.case_id.not_in(excluded))
            .distinct()
            .order_by(Party.case_id.desc())
            .limit(SUGGESTED)
        )
        for other in session.scalars(query.where(seen) if seen is not None else query):
            found.setdefault(other, "poster")
    thread = rules.thread_of(case.link)
    if thread and len(found) < SUGGESTED:
        spellings = sorted({case.link or ""} | set(rules.spellings(thread)))
        query = (
            select(Case.id).where(Case.link.in_(spellings), Case.id.not_in(excluded)).order_by(Case.id.desc()).limit(SUGGESTED)
        )
        for other in session.scalars(query.where(seen) if seen is not None else query):
            found.setdefault(other, "thread")
    words = {"poster": "Possibly the same poster as case", "thread": "Possibly the same post or thread as case"}
    return tuple(LinkSuggestion(other, basis, f"{words[basis]} #{other}") for other, basis in sorted(found.items(), reverse=True))
