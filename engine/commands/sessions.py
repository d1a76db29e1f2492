"""Web sessions kept on the server, so they can be ended: at sign-out, everywhere at once, or when
a person is deactivated or their roles or password change.

The browser holds a random 256-bit token; the table holds only its SHA-256. A session ends when it
is revoked, when it has not been used for `session_idle_minutes`, or `session_hours` after sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engine.commands import trail
from engine.context import Redress
from engine.queries.access import load_viewer
from engine.rules.access import Viewer
from engine.rules.signin import two_factor_required
from store import Person, WebSession
from workflows import Workflow

TOUCH_EVERY = timedelta(minutes=1)
"""How stale `last_seen_at` may get before a request writes it again (not a write per request)."""
PRUNE_BATCH = 200


@dataclass(frozen=True)
class Client:
    """Where a request came from, as far as the web server knows (kept with sessions and sign-ins)."""

    address: str | None = None
    user_agent: str | None = None


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(app: Redress, session: Session, person_id: int, client: Client, now: datetime, second_factor: str = "") -> str:
    """A new session for `person_id` in the caller's transaction; returns the token for the cookie.
    `second_factor` says how the second step is already met ('' when it is not)."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=token_id(token),
            person_id=person_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=app.settings.session_hours),
            user_agent=(client.user_agent or "")[:200] or None,
            client=(client.address or "")[:64] or None,
            second_factor=second_factor,
        )
    )
    _prune(session, now)
    return token


def open_session(app: Redress, person_id: int, client: Client, second_factor: str = "") -> str:
    """A fresh session for someone already proven (after changing their own password, keeping how
    their second step was met)."""
    with app.db.unit_of_work() as session:
        return create_session(app, session, person_id, client, app.clock.now(), second_factor)


@dataclass(frozen=True)
class SessionState:
    """A live session: whose it is, and where it stands with the second step of sign-in."""

    viewer: Viewer
    second_factor: str
    """How the second step was met ('' when not yet)."""
    enrolled: bool
    """Whether the person has an authenticator enrolled."""
    two_factor_required: bool
    """Whether the school asks a second step of this person (by their roles and the settings)."""

    @property
    def pending(self) -> str:
        """'' when the session may be used; 'enrol' or 'verify' when the second step is still owed."""
        if not self.two_factor_required or self.second_factor:
            return ""
        return "verify" if self.enrolled else "enrol"


@dataclass(frozen=True)
class Live:
    """A live session as its row says: whose it is, whether its last-seen time is due a touch, and how its
    second step of sign-in was met ('' when not yet)."""

    person_id: int
    stale: bool
    second_factor: str


def live_person(app: Redress, session: Session, token: str) -> Live | None:
    """The person a live session belongs to, read in the caller's transaction, with whether its last-seen
    time is due a touch and its second-step standing; None for an unknown, revoked, idle or expired session."""
    now = app.clock.now()
    row = session.get(WebSession, token_id(token))
    if row is None or not _live(app, row, now):
        return None
    return Live(row.person_id, now - row.last_seen_at >= TOUCH_EVERY, row.second_factor)


def state_of(app: Redress, session: Session, live: Live, spec: Workflow) -> SessionState | None:
    """The standing of a live session, read in the caller's transaction (`spec`: the current workflow, whose
    powers are in force); None when its person is deleted or deactivated."""
    viewer = load_viewer(session, live.person_id, spec)
    person = session.get(Person, live.person_id)  # already in the session's identity map: no statement
    if viewer is None or person is None:
        return None
    settings = app.settings
    return SessionState(
        viewer,
        live.second_factor,
        person.totp_secret is not None,
        two_factor_required(settings.two_factor, spec, settings.two_factor_roles, viewer.roles),
    )


def touch(app: Redress, token: str) -> None:
    """Record that a live session was used now (a few times an hour at most: see TOUCH_EVERY)."""
    with app.db.unit_of_work() as session:
        session.execute(
            update(WebSession)
            .where(WebSession.id == token_id(token), WebSession.revoked_at.is_(None))
            .values(last_seen_at=app.clock.now())
        )


def session_viewer(app: Redress, token: str) -> Viewer | None:
    """The active person a live session belongs to, or None (unknown, revoked, idle too long, expired, or
    still owing the second step of sign-in: such a session is not signed in yet)."""
    state = session_state(app, token)
    return state.viewer if state is not None and not state.pending else None


def session_state(app: Redress, token: str) -> SessionState | None:
    """A live session's person and second-step standing, or None (unknown, revoked, idle too long, expired)."""
    with app.db.reading() as session:
        live = live_person(app, session, token)
        if live is None:
            return None
        state = state_of(app, session, live, app.current_workflow(session).spec)
    if state is not None and live.stale:
        touch(app, token)
    return state


def _live(app: Redress, row: WebSession, now: datetime) -> bool:
    idle = timedelta(minutes=app.settings.session_idle_minutes)
    return row.revoked_at is None and now < row.expires_at and now - row.last_seen_at < idle


def end_session(app: Redress, token: str) -> None:
    """Sign-out: this session ends, for every copy of its cookie."""
    with app.db.unit_of_work() as session:
        session.execute(
            update(WebSession)
            .where(WebSession.id == token_id(token), WebSession.revoked_at.is_(None))
            .values(revoked_at=app.clock.now())
        )


def revoke_all(session: Session, person_id: int, now: datetime) -> int:
    """End every session of a person, in the caller's transaction; how many were live."""
    result = session.execute(
        update(WebSession).where(WebSession.person_id == person_id, WebSession.revoked_at.is_(None)).values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _prune(session: Session, now: datetime) -> None:
    """Drop a bounded batch of sessions past their absolute end (revoked or not: none can be used again)."""
    old = select(WebSession.id).where(WebSession.expires_at < now).limit(PRUNE_BATCH)
    session.execute(
        delete(WebSession).where(WebSession.id.in_(old.scalar_subquery())), execution_options={"synchronize_session": False}
    )


def sign_out_everywhere(app: Redress, person_id: int) -> int:
    """A person ends every session of theirs (a lost phone, a shared computer); recorded on the school's trail."""
    with app.db.unit_of_work() as session:
        person = session.get(Person, person_id)
        ended = revoke_all(session, person_id, app.clock.now())
        if person is not None:
            trail.record(app, session, person.email, trail.SIGNED_OUT_EVERYWHERE, person, sessions_ended=ended)
        return ended


HELD_LIMIT = 200_000
"""The most a held form may take (its values are bounded field by field before this; this stops a runaway)."""


def hold_form(app: Redress, token: str, held: str) -> bool:
    """Keep a refused form (JSON) with a live session, for the page the browser is sent back to; False if too big."""
    if len(held) > HELD_LIMIT:
        return False
    with app.db.unit_of_work() as session:
        result = session.execute(
            update(WebSession).where(WebSession.id == token_id(token), WebSession.revoked_at.is_(None)).values(held_form=held)
        )
        return bool(getattr(result, "rowcount", 0))


def take_held_form(app: Redress, token: str) -> str | None:
    """The form held with this session, if any, and forget it: it is shown once."""
    with app.db.unit_of_work() as session:
        row = session.get(WebSession, token_id(token))
        if row is None or row.held_form is None:
            return None
        held, row.held_form = row.held_form, None
        return held
