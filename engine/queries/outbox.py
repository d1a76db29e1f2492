"""The outbox as people read it: the one reader behind `redress outbox list`, the outbox page and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

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
class OutboxView:
    messages: tuple[OutboxLine, ...]
    """Newest first, at most `limit`."""
    waiting: int
    """How many messages are queued to be sent (whatever `failed_only` says)."""


def read_outbox(app: Redress, *, failed_only: bool = False, limit: int = SHOWN) -> OutboxView:
    """The newest messages (only the failed ones, with `failed_only`), and how many wait to be sent."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if failed_only:
        query = query.where(OutboxMessage.status == "failed")
    waiting = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "queued")
    with app.db.reading() as session:
        lines = tuple(
            OutboxLine(
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
            for m in session.scalars(query)
        )
        return OutboxView(lines, int(session.scalar(waiting) or 0))
