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

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from . import integrity, models
from .models import AuditEvent, Case, table_of

GENESIS = models.GENESIS


def _digest(prev_hash: str, content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def _content(values: dict[str, Any]) -> dict[str, Any]:
    content = {
        "case": values["case_id"],
        "seq": values["seq"],
        "at": values["at"].isoformat(timespec="microseconds"),
        "actor": values["actor"],
        "kind": values["kind"],
        "action": values["action"],
        "before": values["stage_before"],
        "after": values["stage_after"],
        "data": values["data"],
    }
    if values.get("track") is not None:  # only events that moved a track name one: older hashes stay as they were
        content["track"] = values["track"]
    return content


def hash_of(prev_hash: str, values: Any) -> str:
    """The hash an event with these column values (a mapping, such as a Core row's) should carry."""
    return _digest(prev_hash, _content(values))


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return _digest(prev_hash, _content({column: getattr(event, column) for column in HASHED}))


HASHED = ("case_id", "seq", "at", "actor", "kind", "action", "stage_before", "stage_after", "data", "track")
"""The columns an event's hash covers: a reader that checks hashes from its own query (`hash_of`) selects them all."""


@dataclass(frozen=True)
class Head:
    """The last event of a case's chain, as the case row holds it."""

    seq: int
    hash: str


@dataclass(frozen=True)
class Link(Head):
    """An event just appended: its place in the chain, its hash and the hash it follows."""

    prev_hash: str


def next_event(
    case_id: int,
    head: Head,
    *,
    at: datetime,
    actor: str,
    kind: str,
    actor_id: int | None = None,
    action: str | None = None,
    stage_before: str | None = None,
    stage_after: str | None = None,
    data: dict[str, Any] | None = None,
    track: str | None = None,
) -> dict[str, Any]:
    """The row of the event that follows `head`, hash included: for a caller that writes the case's new
    head itself, in the same transaction (the action path writes it with the stage and the version)."""
    values = {
        "case_id": case_id,
        "seq": head.seq + 1,
        "at": at,
        "actor": actor,
        "actor_id": actor_id,
        "kind": kind,
        "action": action,
        "stage_before": stage_before,
        "stage_after": stage_after,
        "data": data or {},
        "prev_hash": head.hash,
        "track": track,
    }
    values["hash"] = _digest(head.hash, _content(values))
    return values


_INSERT_EVENT = insert(table_of(AuditEvent))


def insert_event(connection: Connection, values: dict[str, Any]) -> None:
    """Write the event, with its MAC under the integrity key when the store holds one (store.integrity)."""
    connection.execute(_INSERT_EVENT, {**values, "mac": integrity.sign(connection, values["hash"])})


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
    track: str | None = None,
    head: Head | None = None,
) -> Link:
    """Append one event to a case's chain, in the caller's transaction; returns the case's new head.

    Written at once, on the session's connection (no flush of the session): the event, and the head on
    the case row. A case loaded in the session is told its new head. `head`: the case's head as the
    caller read it in this transaction with the case row locked (the worker's batch), so it is not read again."""
    connection = session.connection()
    if head is None:
        # On PostgreSQL the case row is locked so two transactions never take the same sequence number;
        # SQLite's write lock (BEGIN IMMEDIATE) already serialises them.
        read = _HEAD if connection.dialect.name == "sqlite" else _HEAD_LOCKED
        row = connection.execute(read, {"case_id": case_id}).one()
        head = Head(row.head_seq, row.head_hash)
    values = next_event(
        case_id,
        head,
        at=at,
        actor=actor,
        kind=kind,
        actor_id=actor_id,
        action=action,
        stage_before=stage_before,
        stage_after=stage_after,
        data=data,
        track=track,
    )
    insert_event(connection, values)
    link = Link(values["seq"], values["hash"], values["prev_hash"])
    connection.execute(_SET_HEAD, {"case_id": case_id, "new_seq": link.seq, "new_hash": link.hash})
    loaded_head(session, case_id, link)
    return link


_cases = table_of(Case)
# Built once: an append runs them for every reminder and note.
_HEAD = select(_cases.c.head_seq, _cases.c.head_hash).where(_cases.c.id == bindparam("case_id"))
_HEAD_LOCKED = _HEAD.with_for_update()
_SET_HEAD = (
    update(_cases)
    .where(_cases.c.id == bindparam("case_id"))
    .values(head_seq=bindparam("new_seq"), head_hash=bindparam("new_hash"))
)


def loaded_head(session: Session, case_id: int, head: Head) -> None:
    """Tell the case object this session holds, if any, its new head (written without the ORM)."""
    case = session.identity_map.get(identity_key(Case, case_id))
    if case is not None:
        set_committed_value(case, "head_seq", head.seq)
        set_committed_value(case, "head_hash", head.hash)


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
    """Recompute the chain, and check it ends where the case row says; name the first event that does not match."""
    head = session.execute(select(Case.head_seq, Case.head_hash).where(Case.id == case_id)).first()
    return verify_events(events(session, case_id), None if head is None else (head.head_seq, head.head_hash))


def verify_events(chain: Sequence[AuditEvent], head: tuple[int | None, str | None] | None = None) -> Verification:
    """Recompute a chain already read (in `seq` order), so a reader can show and check it from one query;
    with `head` (the case row's last sequence number and hash), also that nothing was cut from its end."""
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
    if head is not None and head != (len(chain), prev_hash):
        return Verification(
            False,
            len(chain),
            head[0],
            None,
            f"the chain ends at event {len(chain)} but the case's last event is {head[0]}: "
            "events were removed from its end, or the case row was changed",
        )
    return Verification(True, len(chain))
