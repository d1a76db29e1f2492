"""Everything about one person across cases, for a subject access request: their names, emails or pupil
references looked for in the people of each case, its summary, notes, meetings, evidence descriptions
and audit trail, only in the cases the searcher sees in full (engine.queries.visibility).

A case-insensitive substring search, one query per kind of record: a rare job for one person, so it
scans rather than keeping a search index up to date on every write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from engine.context import Redress
from engine.queries.visibility import full_sight
from engine.rules.access import Viewer
from store import AuditEvent, Case, Evidence, Meeting, Note, Party, Person

MOST_CASES = 500
_PARTY_WORDS = {"staff": "named as a member of staff concerned", "pupil": "named as a pupil", "poster": "named as a poster"}


@dataclass(frozen=True)
class CaseFindings:
    """One case where the person was found, and where in it (people's words)."""

    case_id: int
    opened_at: datetime
    categories: tuple[str, ...]
    stage: str
    closed: bool
    found: tuple[str, ...]


@dataclass(frozen=True)
class SubjectFindings:
    terms: tuple[str, ...]
    cases: tuple[CaseFindings, ...]
    more: bool
    """More than MOST_CASES cases matched: narrow the search."""


def patterns(terms: Iterable[str]) -> list[str]:
    """LIKE patterns ('!' escapes) for each term lower-cased, and its JSON-escaped form when that differs
    (the trail's JSON keeps non-ASCII letters as \\u escapes)."""
    found: list[str] = []
    for term in terms:
        for form in {term.lower(), json.dumps(term.lower())[1:-1]}:
            escaped = form.replace("!", "!!").replace("%", "!%").replace("_", "!_")
            found.append(f"%{escaped}%")
    return found


def _like(column: Any, likes: list[str]) -> ColumnElement[bool]:
    return or_(*(func.lower(column).like(p, escape="!") for p in likes))


def search_cases(app: Redress, session: Session, viewer: Viewer, terms: tuple[str, ...]) -> SubjectFindings:
    """The cases `viewer` sees in full that mention any of `terms`, newest first, each with where."""
    likes = patterns(terms)
    sight = full_sight(app, session, viewer)
    found: dict[int, list[str]] = {}
    seen = select(Case.id).where(sight) if sight is not None else None
    for query in _sources(likes):
        if seen is not None:
            query = query.where(query.selected_columns[0].in_(seen))
        for case_id, where in session.execute(query):
            places = found.setdefault(case_id, [])
            if where not in places:
                places.append(where)
    ids = sorted(found, reverse=True)
    rows = session.execute(
        select(Case.id, Case.opened_at, Case.categories, Case.stage, Case.closed_at, Case.workflow_id).where(
            Case.id.in_(ids[:MOST_CASES])
        )
    )
    cases = []
    for row in sorted(rows, key=lambda r: r.id, reverse=True):
        spec = app.compiled(row.workflow_id).spec
        labels = tuple(spec.categories[c].label if c in spec.categories else c for c in row.categories)
        stage = spec.stages[row.stage].title if row.stage in spec.stages else row.stage
        cases.append(CaseFindings(row.id, row.opened_at, labels, stage, row.closed_at is not None, tuple(found[row.id])))
    return SubjectFindings(terms, tuple(cases), len(ids) > MOST_CASES)


def _sources(likes: list[str]) -> list[Select[int, str]]:
    """One query per kind of record, each giving (case id, where it was found)."""
    queries: list[Select[int, str]] = []
    for kind, words in _PARTY_WORDS.items():
        queries.append(
            select(Party.case_id, _text(words))
            .outerjoin(Person, Person.id == Party.person_id)
            .where(
                Party.kind == kind,
                or_(
                    _like(Party.name, likes),
                    _like(Party.contact, likes),
                    _like(Party.reference, likes),
                    _like(Party.address, likes),
                    _like(Person.name, likes),
                    _like(Person.email, likes),
                ),
            )
        )
    queries.append(select(Case.id, _text("the summary")).where(_like(Case.summary, likes)))
    queries.append(select(Note.case_id, _text("a note")).where(_like(Note.text, likes)))
    queries.append(
        select(Meeting.case_id, _text("a meeting")).where(or_(_like(Meeting.attendees, likes), _like(Meeting.notes, likes)))
    )
    queries.append(
        select(Evidence.case_id, _text("an evidence description")).where(
            or_(_like(Evidence.description, likes), _like(Evidence.original_name, likes), _like(Evidence.url, likes))
        )
    )
    queries.append(
        select(AuditEvent.case_id, _text("the audit trail")).where(
            or_(_like(cast(AuditEvent.data, Text), likes), _like(AuditEvent.actor, likes))
        )
    )
    return queries


def _text(words: str) -> ColumnElement[str]:
    return literal(words, Text)
