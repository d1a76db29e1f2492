"""The outbox rows as the dispatcher handles them: claim the due ones, record each outcome, requeue parked ones.

Each function is one short transaction, and what happens to a case's message is appended to
that case's audit trail in the same transaction as the row's change.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import Database, OutboxMessage, audit

MAX_ATTEMPTS = 10
"""Temporary failures before a message is parked as failed."""
CLAIM_LEASE = timedelta(minutes=15)
"""How long a claimed message is hidden from other dispatchers; after a crash it is sent again."""
ALL_FAILED = "all"
"""`retry(db, ALL_FAILED, now)` requeues every parked message."""


@dataclass(frozen=True)
class Claimed:
    """A message taken for sending: a plain copy of its row, safe to hand to another thread."""

    id: int
    case_id: int | None
    template: str
    recipient_email: str
    recipient_name: str
    subject: str
    body_text: str
    body_html: str
    message_id: str
    attempts: int

    @classmethod
    def of(cls, row: OutboxMessage) -> Claimed:
        return cls(
            row.id,
            row.case_id,
            row.template,
            row.recipient_email,
            row.recipient_name,
            row.subject,
            row.body_text,
            row.body_html,
            row.message_id,
            row.attempts,
        )


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min ... at most 1 h, ±20 %."""
    base: timedelta = min(timedelta(seconds=30) * 2 ** max(0, min(attempts, 20) - 1), timedelta(hours=1))
    factor: float = (rng or random).uniform(0.8, 1.2)
    return base * factor


def claim(db: Database, now: datetime, batch: int) -> list[Claimed]:
    """Take up to `batch` messages due at `now`, hiding them from other dispatchers for CLAIM_LEASE."""
    with db.unit_of_work() as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(batch)
        )
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        for row in rows:
            row.next_attempt_at = now + CLAIM_LEASE
        return [Claimed.of(row) for row in rows]


def record(db: Database, item: Claimed, kind: str, error: str | None, now: datetime) -> str:
    """Record one attempt: `kind` is sent, retry or failed. Returns what the message became
    (a retry past MAX_ATTEMPTS becomes failed)."""
    return record_all(db, [(item, kind, error)], now)[0]


def record_all(db: Database, attempts: Sequence[tuple[Claimed, str, str | None]], now: datetime) -> list[str]:
    """Record several attempts in one transaction (a group commit); returns what each message became."""
    with db.unit_of_work() as session:
        ids = [item.id for item, _, _ in attempts]
        rows = {row.id: row for row in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))}
        return [_mark(session, rows[item.id], kind, error, now) for item, kind, error in attempts]


def _mark(session: Session, row: OutboxMessage, kind: str, error: str | None, now: datetime) -> str:
    row.attempts += 1
    if kind == "retry" and row.attempts >= MAX_ATTEMPTS:
        kind, error = "failed", f"{error} (gave up after {row.attempts} attempts)"
    if kind == "sent":
        row.status, row.sent_at = "sent", now
    elif kind == "retry":
        row.next_attempt_at, row.last_error = now + backoff(row.attempts), error
    else:
        row.status, row.last_error = "failed", error
    if row.case_id is not None:
        data = _about(row) | ({"error": error, "attempts": row.attempts} if kind != "sent" else {})
        audit.append(session, row.case_id, at=now, actor="system", kind=f"email_{kind}", data=data)
        session.flush()  # the next event of this case, in this transaction, reads this one's sequence number
    return kind


def retry(db: Database, which: int | str, now: datetime, *, actor: str) -> int:
    """Requeue parked messages to be sent at once, with a fresh set of attempts; returns how many.

    The package's one way to requeue: it checks no permission (the engine decides who may) and
    records `actor` on each case's audit trail as `email_requeued`. `which` is an outbox id, a
    Message-ID (`<...@...>`), or ALL_FAILED. A single message may also be one still waiting for
    its next attempt; a message already sent is never requeued, and keeps its Message-ID."""
    query = select(OutboxMessage)
    if which == ALL_FAILED:
        query = query.where(OutboxMessage.status == "failed")
    else:
        key = OutboxMessage.id == which if isinstance(which, int) else OutboxMessage.message_id == which
        query = query.where(key, OutboxMessage.status.in_(("failed", "queued")))
    with db.unit_of_work() as session:
        rows = list(session.scalars(query.order_by(OutboxMessage.id)))
        for row in rows:
            previous = row.last_error
            row.status, row.attempts, row.next_attempt_at = "queued", 0, now
            if row.case_id is not None:
                data = _about(row) | {"previous_error": previous}
                audit.append(session, row.case_id, at=now, actor=actor, kind="email_requeued", data=data)
                session.flush()
        return len(rows)


def _about(row: OutboxMessage) -> dict[str, Any]:
    return {"to": row.recipient_email, "template": row.template, "message_id": row.message_id}
