"""Read-side views of people: a leaver's open work, and the school's trail of people changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.context import Redress
from engine.errors import NotFound
from store import Case, Person, school_trail
from store.audit import Verification


@dataclass(frozen=True)
class WorkItem:
    """An open case that waits on a person: to hand to someone else before they leave."""

    case_id: int
    stage_title: str
    what: str


def open_work(app: Redress, person_id: int) -> list[WorkItem]:
    """The open cases a person opened, and the actions at open cases that nobody else active may take."""
    with app.db.reading() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound(f"there is no person {person_id}")
        others: set[str] = set()
        for roles in session.scalars(select(Person.roles).where(Person.active.is_(True), Person.id != person_id)):
            others.update(roles)
        mine = set(person.roles)
        rows = session.execute(
            select(Case.id, Case.workflow_id, Case.stage, Case.opened_by_id).where(Case.closed_at.is_(None)).order_by(Case.id)
        ).all()
    items = []
    for case_id, workflow_id, stage, opened_by in rows:
        spec = app.compiled(workflow_id).spec
        title = spec.stages[stage].title if stage in spec.stages else stage
        if opened_by == person_id:
            items.append(WorkItem(case_id, title, "opened by them"))
        for name in spec.actions_from(stage):
            action = spec.actions[name]
            if mine & set(action.roles) and not others & set(action.roles):
                items.append(WorkItem(case_id, title, f"only they may '{action.title}'"))
    return items


@dataclass(frozen=True)
class PeopleChange:
    seq: int
    at: datetime
    actor: str
    kind: str
    subject: str
    details: dict[str, Any]


def people_changes(app: Redress, *, limit: int = 200) -> list[PeopleChange]:
    """The newest changes to who may use Redress, newest first."""
    with app.db.reading() as session:
        return [
            PeopleChange(e.seq, e.at, e.actor, e.kind, e.subject, dict(e.details))
            for e in school_trail.events(session, limit=limit, newest_first=True)
        ]


def verify_people_changes(app: Redress) -> Verification:
    with app.db.reading() as session:
        return school_trail.verify(session)
