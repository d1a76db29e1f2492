"""People: the school's staff who use Redress, with their roles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.context import Redress
from engine.errors import NotFound, Refused
from engine.rules.actions import check_email
from store import Person
from workflows import SYSTEM
from workflows.reader import did_you_mean


def person_by_email(session: Session, email: str) -> Person:
    person = session.scalars(select(Person).where(Person.email == email.strip().lower())).first()
    if person is None:
        raise NotFound(f"nobody with the email '{email}' is in Redress: add them with 'redress people add'")
    if not person.active:
        raise Refused(f"{person.email} is no longer active in Redress")
    return person


def add_person(app: Redress, name: str, email: str, roles: Sequence[str]) -> Person:
    email = check_email(email)
    name = " ".join(name.split())
    if not name:
        raise Refused("a person needs a name")
    chosen = _known_roles(app, roles)
    with app.db.unit_of_work() as session:
        if session.scalars(select(Person).where(Person.email == email)).first():
            raise Refused(f"{email} is already in Redress")
        person = Person(name=name, email=email, roles=chosen, created_at=app.clock.now())
        session.add(person)
        session.flush()
        return person


def list_people(app: Redress) -> list[Person]:
    with app.db.reading() as session:
        return list(session.scalars(select(Person).order_by(Person.name)))


def _known_roles(app: Redress, roles: Sequence[str]) -> list[str]:
    known = [r for r in app.current_workflow().spec.roles if r != SYSTEM]
    for role in roles:
        if role not in known:
            raise Refused(f"unknown role '{role}'{did_you_mean(role, known)}; the roles are: {', '.join(known)}")
    return list(dict.fromkeys(roles))


def set_roles(app: Redress, email: str, roles: Sequence[str]) -> Person:
    """Replace a person's roles (an empty list leaves them able to sign in and see only their own matters)."""
    chosen = _known_roles(app, roles)
    with app.db.unit_of_work() as session:
        person = person_by_email(session, email)
        person.roles = chosen
        return person


def person_by_id(app: Redress, person_id: int) -> Person:
    with app.db.reading() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound(f"there is no person {person_id}")
        return person
