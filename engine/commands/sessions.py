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
from store import Person, WebSession

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


def create_session(app: Redress, session: Session, person_id: int, client: Client, now: datetime) -> str:
    """A new session for `person_id` in the caller's transaction; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(WebSession(id=token_id(token), person_id=person_id, created_at=now, last_seen_at=now,
                           expires_at=now + timedelta(hours=app.settings.session_hours),
                           user_agent=(client.user_agent or "")[:200] or None, client=(client.address or "")[:64] or None))
    _prune(session, now)
    return token


def open_session(app: Redress, person_id: int, client: Client) -> str:
    """A fresh session for someone already proven (after changing their own password)."""
    with app.db.unit_of_work() as session:
        return create_session(app, session, person_id, client, app.clock.now())


def live_person(app: Redress, session: Session, token: str) -> tuple[int, bool] | None:
    """The person a live session belongs to, read in the caller's transaction, and whether its last-seen
    time is due a touch; None for an unknown, revoked, idle or expired session."""
    now = app.clock.now()
    row = session.get(WebSession, token_id(token))
    if row is None or not _live(app, row, now):
        return None
    return row.person_id, now - row.last_seen_at >= TOUCH_EVERY


def touch(app: Redress, token: str) -> None:
    """Record that a live session was used now (a few times an hour at most: see TOUCH_EVERY)."""
    with app.db.unit_of_work() as session:
        session.execute(update(WebSession).where(WebSession.id == token_id(token), WebSession.revoked_at.is_(None))
                        .values(last_seen_at=app.clock.now()))


def session_viewer(app: Redress, token: str) -> Viewer | None:
    """The active person a live session belongs to, or None (unknown, revoked, idle too long, expired)."""
    with app.db.reading() as session:
        live = live_person(app, session, token)
        if live is None:
            return None
        viewer = load_viewer(session, live[0], app.current_workflow(session).spec)
    if viewer is not None and live[1]:
        touch(app, token)
    return viewer


def _live(app: Redress, row: WebSession, now: datetime) -> bool:
    idle = timedelta(minutes=app.settings.session_idle_minutes)
    return row.revoked_at is None and now < row.expires_at and now - row.last_seen_at < idle


def end_session(app: Redress, token: str) -> None:
    """Sign-out: this session ends, for every copy of its cookie."""
    with app.db.unit_of_work() as session:
        session.execute(update(WebSession).where(WebSession.id == token_id(token), WebSession.revoked_at.is_(None))
                        .values(revoked_at=app.clock.now()))


def revoke_all(session: Session, person_id: int, now: datetime) -> int:
    """End every session of a person, in the caller's transaction; how many were live."""
    result = session.execute(update(WebSession).where(WebSession.person_id == person_id, WebSession.revoked_at.is_(None))
                             .values(revoked_at=now))
    return int(getattr(result, "rowcount", 0) or 0)


def _prune(session: Session, now: datetime) -> None:
    """Drop a bounded batch of sessions past their absolute end (revoked or not: none can be used again)."""
    old = select(WebSession.id).where(WebSession.expires_at < now).limit(PRUNE_BATCH)
    session.execute(delete(WebSession).where(WebSession.id.in_(old.scalar_subquery())), execution_options={"synchronize_session": False})


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
        result = session.execute(update(WebSession).where(WebSession.id == token_id(token), WebSession.revoked_at.is_(None))
                                 .values(held_form=held))
        return bool(getattr(result, "rowcount", 0))


def take_held_form(app: Redress, token: str) -> str | None:
    """The form held with this session, if any, and forget it: it is shown once."""
    with app.db.unit_of_work() as session:
        row = session.get(WebSession, token_id(token))
        if row is None or row.held_form is None:
            return None
        held, row.held_form = row.held_form, None
        return held
