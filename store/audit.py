"""The audit trail: append-only, each event hash-chained to the one before it (invariant 4).

An event's hash covers its content and the previous event's hash, so changing, deleting
or reordering any row breaks the chain from that row on, and `verify` names it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AuditEvent, Case

GENESIS = "0" * 64


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    content = {
        "case": event.case_id,
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "kind": event.kind,
        "action": event.action,
        "before": event.stage_before,
        "after": event.stage_after,
        "data": event.data,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def append(
    session: Session,
    case_id: int,
    *,
    at: datetime,
    actor: str,
    kind: str,
    actor_id: int | None = None,
    action: str | None = None,
    stage_before: str | None = None,
    stage_after: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to a case's chain, in the caller's transaction."""
    seq, prev_hash = _tail(session, case_id)
    event = AuditEvent(
        case_id=case_id,
        seq=seq,
        at=at,
        actor=actor,
        actor_id=actor_id,
        kind=kind,
        action=action,
        stage_before=stage_before,
        stage_after=stage_after,
        data=data or {},
        prev_hash=prev_hash,
    )
    event.hash = event_hash(prev_hash, event)
    session.add(event)
    return event


def _tail(session: Session, case_id: int) -> tuple[int, str]:
    """The next sequence number of a case's chain and the hash it follows."""
    # An event appended earlier in this transaction and not yet flushed is the tail. (A savepoint
    # rolled back takes its events out of `session.new`, so this never points past the database.)
    unflushed = [e for e in session.new if isinstance(e, AuditEvent) and e.case_id == case_id]
    if unflushed:
        last_event = max(unflushed, key=lambda e: e.seq)
        return last_event.seq + 1, last_event.hash
    with session.no_autoflush:
        if session.get_bind().dialect.name != "sqlite":
            # Lock the case row so two transactions never take the same sequence number;
            # SQLite's write lock (BEGIN IMMEDIATE) already serialises them.
            session.execute(select(Case.id).where(Case.id == case_id).with_for_update())
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
    return (last.seq + 1, last.hash) if last else (1, GENESIS)


def events(session: Session, case_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)))


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str = ""


def verify(session: Session, case_id: int) -> Verification:
    """Recompute the chain; name the first event that does not match."""
    return verify_events(events(session, case_id))


def verify_events(chain: Sequence[AuditEvent]) -> Verification:
    """Recompute a chain already read (in `seq` order), so a reader can show and check it from one query."""
    prev_hash = GENESIS
    for expected_seq, event in enumerate(chain, start=1):
        reason = ""
        if event.seq != expected_seq:
            reason = f"event {expected_seq} is missing (found event {event.seq} in its place)"
        elif event.prev_hash != prev_hash:
            reason = f"event {event.seq} does not follow event {event.seq - 1}: an event before it was removed or changed"
        elif event_hash(prev_hash, event) != event.hash:
            reason = f"event {event.seq} ({event.kind}, {event.at:%Y-%m-%d %H:%M} UTC) was changed after it was recorded"
        if reason:
            return Verification(False, expected_seq, event.seq, event.id, reason)
        prev_hash = event.hash
    return Verification(True, len(chain))
