"""The school's trail: who was let in, shut out, given roles or a password, in one append-only chain.

Hashed as a case's audit trail is (`store.audit`): each event's hash covers its content and the
hash before it, so an edited, removed or reordered row breaks the chain from there on.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .audit import GENESIS, Verification
from .models import SchoolEvent

_LOCK = 0x5245_4452  # "REDR": the advisory lock that serialises appends on PostgreSQL


def event_hash(prev_hash: str, event: SchoolEvent) -> str:
    content = {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "kind": event.kind,
        "subject_id": event.subject_id,
        "subject": event.subject,
        "details": event.details,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def append(
    session: Session,
    *,
    at: datetime,
    actor: str,
    kind: str,
    subject_id: int | None = None,
    subject: str = "",
    details: dict[str, Any] | None = None,
) -> SchoolEvent:
    """Append one event, in the caller's transaction."""
    seq, prev_hash = _tail(session)
    event = SchoolEvent(
        seq=seq, at=at, actor=actor, kind=kind, subject_id=subject_id, subject=subject, details=details or {}, prev_hash=prev_hash
    )
    event.hash = event_hash(prev_hash, event)
    session.add(event)
    session.flush()
    return event


def _tail(session: Session) -> tuple[int, str]:
    if session.get_bind().dialect.name == "postgresql":
        # Two transactions must never take the same sequence number (the unique index would refuse the
        # second); SQLite's BEGIN IMMEDIATE already serialises writers.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
    last = session.execute(select(SchoolEvent.seq, SchoolEvent.hash).order_by(SchoolEvent.seq.desc()).limit(1)).first()
    return (last.seq + 1, last.hash) if last else (1, GENESIS)


def events(session: Session, *, limit: int | None = None, newest_first: bool = False) -> list[SchoolEvent]:
    order = SchoolEvent.seq.desc() if newest_first else SchoolEvent.seq
    query = select(SchoolEvent).order_by(order)
    return list(session.scalars(query.limit(limit) if limit else query))


def verify(session: Session) -> Verification:
    """Recompute the chain; name the first event that does not match."""
    prev_hash, checked = GENESIS, 0
    for expected_seq, event in enumerate(session.scalars(select(SchoolEvent).order_by(SchoolEvent.seq)), start=1):
        reason = ""
        if event.seq != expected_seq:
            reason = f"event {expected_seq} is missing (found event {event.seq} in its place)"
        elif event.prev_hash != prev_hash:
            reason = f"event {event.seq} does not follow event {event.seq - 1}: an event before it was removed or changed"
        elif event_hash(prev_hash, event) != event.hash:
            reason = f"event {event.seq} ({event.kind}, {event.at:%Y-%m-%d %H:%M} UTC) was changed after it was recorded"
        if reason:
            return Verification(False, expected_seq, event.seq, event.id, reason)
        prev_hash, checked = event.hash, expected_seq
    return Verification(True, checked)
