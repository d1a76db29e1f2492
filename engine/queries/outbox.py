"""The outbox as people read it: the one reader behind `redress outbox list`, the outbox page and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.context import Redress
from store import OutboxMessage

SHOWN = 200


@dataclass(frozen=True)
class OutboxLine:
    """One email to one person, as its row stands."""

    id: int
    case_id: int | None
    to: str
    template: str
    subject: str
    status: str
    """queued, sent or failed."""
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None
    message_id: str


@dataclass(frozen=True)
class MailTrouble:
    """Email that is not getting through, as soon as one attempt has failed: the dashboard's and the Outbox page's banner."""

    failing: int
    """Messages whose last attempt failed: waiting to be tried again, or given up on."""
    last_error: str
    """What the mail server (or the network) said at the latest failed attempt."""
    since: datetime
    """When the trouble began, as far as the outbox tells: the oldest failing message written since the last one sent."""
    last_sent_at: datetime | None


@dataclass(frozen=True)
class OutboxView:
    messages: tuple[OutboxLine, ...]
    """Newest first, at most `limit`."""
    waiting: int
    """How many messages are queued to be sent (whatever `failed_only` says)."""
    trouble: MailTrouble | None = None
    retrying: tuple[OutboxLine, ...] = ()
    """With `failed_only`: the messages whose attempt failed and that wait to be tried again, newest first."""


def read_outbox(app: Redress, *, failed_only: bool = False, limit: int = SHOWN) -> OutboxView:
    """The newest messages (only the failed ones, with `failed_only`), and how many wait to be sent."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if failed_only:
        query = query.where(OutboxMessage.status == "failed")
    waiting = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "queued")
    retrying = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "queued", OutboxMessage.attempts > 0)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    with app.db.reading() as session:
        lines = tuple(_line(m) for m in session.scalars(query))
        again = tuple(_line(m) for m in session.scalars(retrying)) if failed_only else ()
        return OutboxView(lines, int(session.scalar(waiting) or 0), _trouble(session), again)


def _line(m: OutboxMessage) -> OutboxLine:
    return OutboxLine(
        m.id,
        m.case_id,
        m.recipient_email,
        m.template,
        m.subject,
        m.status,
        m.attempts,
        m.created_at,
        m.next_attempt_at,
        m.sent_at,
        m.last_error,
        m.message_id,
    )


def _trouble(session: Session) -> MailTrouble | None:
    """Failing messages (an attempt failed, not sent since), from the index on (status, next_attempt_at) and the ids."""
    failing = (OutboxMessage.last_error.is_not(None)) & (
        (OutboxMessage.status == "failed") | ((OutboxMessage.status == "queued") & (OutboxMessage.attempts > 0))
    )
    count = int(session.scalar(select(func.count()).select_from(OutboxMessage).where(failing)) or 0)
    if not count:
        return None
    last_sent = session.scalar(select(func.max(OutboxMessage.sent_at)))
    latest = session.execute(
        select(OutboxMessage.last_error).where(failing).order_by(OutboxMessage.id.desc()).limit(1)
    ).scalar_one()
    recent = failing if last_sent is None else failing & (OutboxMessage.created_at >= last_sent)
    since = session.scalar(select(func.min(OutboxMessage.created_at)).where(recent)) or session.scalar(
        select(func.min(OutboxMessage.created_at)).where(failing)
    )
    if since is None:
        return None
    return MailTrouble(count, latest or "no error was recorded", since, last_sent)


def mail_trouble(app: Redress) -> MailTrouble | None:
    """Whether email is failing now, with the server's error and since when (None while it gets through)."""
    with app.db.reading() as session:
        return _trouble(session)
