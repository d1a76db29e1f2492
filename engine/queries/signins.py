"""The headteacher's view of sign-in and access: recent sign-ins and failures, who is locked out, and who
has which second factor. Read under `manage_people`, as the People page is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from engine.context import Redress
from engine.errors import NotAllowed
from engine.rules.access import Power, Viewer, only
from store import Person, RecoveryCode, SignIn

RECENT = 50


@dataclass(frozen=True, slots=True)
class SignInLine:
    at: datetime
    email: str
    succeeded: bool
    method: str
    detail: str
    client: str | None


@dataclass(frozen=True, slots=True)
class PersonAccess:
    id: int
    name: str
    email: str
    active: bool
    roles: tuple[str, ...]
    two_factor_since: datetime | None
    recovery_codes_left: int
    locked_until: datetime | None
    last_sign_in: datetime | None


@dataclass(frozen=True, slots=True)
class AccessOverview:
    people: tuple[PersonAccess, ...]
    recent: tuple[SignInLine, ...]
    """The latest attempts, newest first."""
    failures: tuple[SignInLine, ...]
    """The latest refused attempts, newest first."""


def _lines(rows: list[SignIn]) -> tuple[SignInLine, ...]:
    return tuple(SignInLine(r.at, r.email, r.succeeded, r.method, r.detail, r.client) for r in rows)


def access_overview(app: Redress, viewer: Viewer) -> AccessOverview:
    if not viewer.can(Power.MANAGE_PEOPLE):
        raise NotAllowed(only(app.current_workflow().spec, Power.MANAGE_PEOPLE, "see sign-ins and access"))
    now = app.clock.now()
    with app.db.reading() as session:
        codes = dict(
            session.execute(
                select(RecoveryCode.person_id, func.count())
                .where(RecoveryCode.used_at.is_(None))
                .group_by(RecoveryCode.person_id)
            ).all()
        )
        last = dict(
            session.execute(
                select(SignIn.person_id, func.max(SignIn.at)).where(SignIn.succeeded.is_(True)).group_by(SignIn.person_id)
            ).all()
        )
        people = tuple(
            PersonAccess(
                p.id,
                p.name,
                p.email,
                p.active,
                tuple(p.roles),
                p.totp_enrolled_at,
                int(codes.get(p.id, 0)),
                p.locked_until if p.locked_until and p.locked_until > now else None,
                last.get(p.id),
            )
            for p in session.scalars(select(Person).order_by(Person.name))
        )
        recent = _lines(list(session.scalars(select(SignIn).order_by(SignIn.id.desc()).limit(RECENT))))
        failures = _lines(
            list(session.scalars(select(SignIn).where(SignIn.succeeded.is_(False)).order_by(SignIn.id.desc()).limit(RECENT)))
        )
    return AccessOverview(people, recent, failures)
