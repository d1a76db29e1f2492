"""People: the school's staff who use Redress, with their roles; joiners, movers and leavers.

Every change is recorded on the school's trail (`engine.commands.trail`) in the same transaction.
A change of roles, a deactivation or a password set ends every session of the person at once.
Nobody may remove or deactivate the last active person who holds the power to manage people.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.commands import trail
from engine.commands.sessions import revoke_all
from engine.context import Redress
from engine.errors import NotFound, Refused
from engine.rules import inputs
from engine.rules.actions import check_email
from store import Person
from workflows import SYSTEM
from workflows.errors import did_you_mean

MANAGE_PEOPLE = "manage_people"


def person_by_email(session: Session, email: str, *, inactive_too: bool = False) -> Person:
    person = session.scalars(select(Person).where(Person.email == email.strip().lower())).first()
    if person is None:
        raise NotFound(f"nobody with the email '{email}' is in Redress: add them with 'redress people add'")
    if not person.active and not inactive_too:
        raise Refused(f"{person.email} is no longer active in Redress: reactivate them first")
    return person


def add_person(app: Redress, name: str, email: str, roles: Sequence[str], *, actor: str | None = None) -> Person:
    with inputs.about("email"):
        email = check_email(email)
    with inputs.about("name"):
        name = inputs.name(" ".join(name.split()), "the person's name")
    chosen = known_roles(app, roles)
    with app.db.unit_of_work() as session:
        if session.scalars(select(Person).where(Person.email == email)).first():
            raise Refused(f"{email} is already in Redress: change their roles with 'redress people set-roles'", field="email")
        person = Person(name=name, email=email, roles=chosen, created_at=app.clock.now())
        session.add(person)
        session.flush()
        trail.record(app, session, actor or trail.command_line(), trail.ADDED, person, name=name, roles=chosen)
        return person


def list_people(app: Redress) -> list[Person]:
    with app.db.reading() as session:
        return list(session.scalars(select(Person).order_by(Person.name)))


def role_names(app: Redress) -> list[str]:
    return [r for r in app.current_workflow().spec.roles if r != SYSTEM]


def known_roles(app: Redress, roles: Sequence[str], known: Sequence[str] | None = None) -> list[str]:
    known = role_names(app) if known is None else known
    for role in roles:
        if role not in known:
            raise Refused(f"unknown role '{role}'{did_you_mean(role, known)}; the roles are: {', '.join(known)}", field="roles")
    return list(dict.fromkeys(roles))


def managers(app: Redress) -> frozenset[str]:
    """The roles that hold the power to manage people under the current workflow's `permissions:`."""
    return app.current_workflow().spec.holders(MANAGE_PEOPLE)


def keep_a_manager(
    session: Session, holders: Collection[str], person: Person, roles_after: Collection[str], active_after: bool
) -> None:
    """Refuse a change that would leave nobody active able to manage people (and so nobody able to undo it)."""
    held = person.active and bool(set(person.roles) & set(holders))
    if not held or (active_after and set(roles_after) & set(holders)):
        return
    # Lock the other active people (PostgreSQL): two headteachers demoting each other at once cannot both pass.
    others = session.scalars(select(Person).where(Person.active.is_(True), Person.id != person.id).with_for_update())
    if any(set(other.roles) & set(holders) for other in others):
        return
    raise Refused(
        f"{person.name} is the last active person who may manage people ({', '.join(sorted(holders))}): "
        "give that role to someone else first"
    )


def set_roles(app: Redress, email: str, roles: Sequence[str], *, actor: str | None = None) -> Person:
    """Replace a person's roles (an empty list leaves them able to sign in and see only their own matters).
    Their sessions end, so they sign in again under the new roles."""
    chosen, holders = known_roles(app, roles), managers(app)
    with app.db.unit_of_work() as session:
        person = person_by_email(session, email)
        before = list(person.roles)
        if before == chosen:
            return person
        keep_a_manager(session, holders, person, chosen, active_after=True)
        person.roles = chosen
        ended = revoke_all(session, person.id, app.clock.now())
        trail.record(
            app, session, actor or trail.command_line(), trail.ROLES, person, before=before, after=chosen, sessions_ended=ended
        )
        return person


def deactivate(app: Redress, email: str, *, actor: str | None = None) -> Person:
    """A leaver: they can no longer sign in, every session ends, and they are no longer told of cases.
    Their name stays on everything they did."""
    holders = managers(app)
    with app.db.unit_of_work() as session:
        person = person_by_email(session, email)
        keep_a_manager(session, holders, person, person.roles, active_after=False)
        person.active = False
        ended = revoke_all(session, person.id, app.clock.now())
        trail.record(
            app, session, actor or trail.command_line(), trail.DEACTIVATED, person, roles=list(person.roles), sessions_ended=ended
        )
        return person


def reactivate(app: Redress, email: str, *, actor: str | None = None) -> Person:
    """A returner: they sign in again with the password they had (or one issued now), with the roles they had."""
    with app.db.unit_of_work() as session:
        person = person_by_email(session, email, inactive_too=True)
        if person.active:
            raise Refused(f"{person.email} is already active in Redress")
        person.active, person.failed_sign_ins, person.locked_until = True, 0, None
        trail.record(app, session, actor or trail.command_line(), trail.REACTIVATED, person, roles=list(person.roles))
        return person


def person_by_id(app: Redress, person_id: int) -> Person:
    with app.db.reading() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound(f"there is no person {person_id}")
        return person
