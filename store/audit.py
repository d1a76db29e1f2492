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

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from . import integrity, later, models
from .models import AuditEvent, Case, table_of

GENESIS = models.GENESIS


def _digest(prev_hash: str, content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def data_digest(data: Any) -> str:
    """SHA-256 of an event's content (`data`), canonical JSON: what a formula-2 hash commits to."""
    canonical = json.dumps(data or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _frame(values: Any) -> dict[str, Any]:
    """What an event says besides its content: where it stands, when, who, what kind, which stages."""
    frame = {
        "case": values["case_id"],
        "seq": values["seq"],
        "at": values["at"].isoformat(timespec="microseconds"),
        "actor": values["actor"],
        "kind": values["kind"],
        "action": values["action"],
        "before": values["stage_before"],
        "after": values["stage_after"],
    }
    if values.get("track") is not None:  # only events that moved a track name one: older hashes stay as they were
        frame["track"] = values["track"]
    return frame


def _content(values: Any) -> dict[str, Any]:
    """Formula 1 (events recorded before digests): the hash covers the content itself."""
    return {**_frame(values), "data": values["data"]}


def _committed(values: Any) -> dict[str, Any]:
    """Formula 2: the hash covers the frame and the content's digest, so the content can be erased and the
    chain still checks. The formula is named in what is hashed, so a formula-1 row cannot pass for one."""
    return {**_frame(values), "formula": 2, "digest": values["digest"]}


CHECKED = (
    "case_id",
    "seq",
    "at",
    "actor",
    "kind",
    "action",
    "stage_before",
    "stage_after",
    "data",
    "track",
    "formula",
    "digest",
    "erased_at",
)
"""The columns `check_event` reads: a reader that checks hashes from its own query selects them all."""
HASHED = CHECKED
"""(The older name, kept for readers that select the columns an event's hash covers.)"""


def hash_of(prev_hash: str, values: Any) -> str:
    """The hash an event with these column values (a mapping, such as a Core row's) should carry."""
    if (values.get("formula") or 1) >= 2:
        return _digest(prev_hash, _committed(values))
    return _digest(prev_hash, _content(values))


def event_hash(prev_hash: str, event: Any) -> str:
    return hash_of(prev_hash, {column: getattr(event, column, None) for column in CHECKED})


def check_event(prev_hash: str, values: Any) -> str:
    """'ok', 'erased' (content erased; what is left checks), or 'changed' (tampered with).

    A formula-2 event's frame and digest are checked whether or not its content was erased, and an
    unerased one's content against its digest. A formula-1 event erased keeps only its place: its hash
    is still the one the next event follows and its signature covers, but its content cannot be rechecked."""
    erased = values.get("erased_at") is not None
    if (values.get("formula") or 1) >= 2:
        if values["digest"] is None or _digest(prev_hash, _committed(values)) != values["hash"]:
            return "changed"
        if erased:
            return "erased"
        return "ok" if data_digest(values["data"]) == values["digest"] else "changed"
    if erased:
        return "erased"
    return "ok" if _digest(prev_hash, _content(values)) == values["hash"] else "changed"


ERASURES = frozenset({"erased", "evidence_erased"})
"""Events that erase earlier events' content: each names them in `data["events"]`."""


def erased_by(kind: str, data: Any) -> list[int]:
    """The earlier events an erasure event names (none for other events)."""
    if kind not in ERASURES or not isinstance(data, dict):
        return []
    return [int(seq) for seq in data.get("events") or () if isinstance(seq, int)]


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
        "formula": 2,
    }
    values["digest"] = data_digest(values["data"])
    values["hash"] = _digest(head.hash, _committed(values))
    return values


_INSERT_EVENT = insert(table_of(AuditEvent))


def insert_event(session: Session, values: dict[str, Any]) -> None:
    """Write the event, with its MAC under the integrity key when the store holds one (store.integrity); at
    the end of the transaction if it writes behind (store.later: the case row already holds the new head)."""
    later.write(session, _INSERT_EVENT, {**values, "mac": integrity.sign(session.connection(), values["hash"])})


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
    insert_event(session, values)
    link = Link(values["seq"], values["hash"], values["prev_hash"])
    connection.execute(_SET_HEAD, {"case_id": case_id, "new_seq": link.seq, "new_hash": link.hash})
    loaded_head(session, case_id, link)
    note_reached(session, case_id, head.seq, link.seq, stage_after)
    return link


def remark(
    session: Session,
    case: Case,
    *,
    at: datetime,
    actor: str,
    kind: str,
    actor_id: int | None = None,
    action: str | None = None,
    data: dict[str, Any] | None = None,
    track: str | None = None,
    head: Head | None = None,
) -> Link:
    """Append an event that leaves the case where it stands (a reminder, a letter, a hold, an erasure): `append`
    with the case's stage before and after."""
    return append(
        session,
        case.id,
        at=at,
        actor=actor,
        kind=kind,
        actor_id=actor_id,
        action=action,
        stage_before=case.stage,
        stage_after=case.stage,
        data=data,
        track=track,
        head=head,
    )


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


REACHED = "reached"
"""The session.info key of the stages each case has reached, as its chain stood: {case id: (head seq, stages)}."""


def remembered_reached(session: Session, case_id: int, head_seq: int) -> frozenset[str] | None:
    """The stages the case had reached when its chain's head was `head_seq`, if this session read them."""
    entry = session.info.get(REACHED, {}).get(case_id)
    return entry[1] if entry is not None and entry[0] == head_seq else None


def remember_reached(session: Session, case_id: int, head_seq: int, stages: frozenset[str]) -> None:
    session.info.setdefault(REACHED, {})[case_id] = (head_seq, stages)


def note_reached(session: Session, case_id: int, old_seq: int, new_seq: int, stage_after: str | None) -> None:
    """An event was appended in this session: what it remembers of the case's stages follows the chain (an entry
    for another head is forgotten), so it never has to read the trail again to know them."""
    known = session.info.get(REACHED, {})
    entry = known.pop(case_id, None)
    if entry is not None and entry[0] == old_seq:
        known[case_id] = (new_seq, entry[1] | {stage_after} if stage_after else entry[1])


def events(session: Session, case_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)))


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str = ""
    erased: tuple[int, ...] = ()
    """The events whose content was erased (each named by a later erasure event): not tampering."""


def verify(session: Session, case_id: int) -> Verification:
    """Recompute the chain, and check it ends where the case row says; name the first event that does not match."""
    head = session.execute(select(Case.head_seq, Case.head_hash).where(Case.id == case_id)).first()
    return verify_events(events(session, case_id), None if head is None else (head.head_seq, head.head_hash))


def verify_events(chain: Sequence[AuditEvent], head: tuple[int | None, str | None] | None = None) -> Verification:
    """Recompute a chain already read (in `seq` order), so a reader can show and check it from one query;
    with `head` (the case row's last sequence number and hash), also that nothing was cut from its end."""
    prev_hash = GENESIS
    erased: list[int] = []
    named: set[int] = set()
    for expected_seq, event in enumerate(chain, start=1):
        reason, state = "", ""
        if event.seq != expected_seq:
            reason = f"event {expected_seq} is missing (found event {event.seq} in its place)"
        elif event.prev_hash != prev_hash:
            reason = f"event {event.seq} does not follow event {event.seq - 1}: an event before it was removed or changed"
        else:
            state = check_event(prev_hash, {**{c: getattr(event, c, None) for c in CHECKED}, "hash": event.hash})
            if state == "changed":
                reason = f"event {event.seq} ({event.kind}, {event.at:%Y-%m-%d %H:%M} UTC) was changed after it was recorded"
        if reason:
            return Verification(False, expected_seq, event.seq, event.id, reason)
        if state == "erased":
            erased.append(event.seq)
        named.update(erased_by(event.kind, event.data))
        prev_hash = event.hash
    unnamed = [seq for seq in erased if seq not in named]
    if unnamed:
        return Verification(
            False,
            len(chain),
            unnamed[0],
            None,
            f"event {unnamed[0]} is marked erased, but no erasure in the trail names it: its content was removed "
            "behind the trail's back",
        )
    if head is not None and head != (len(chain), prev_hash):
        return Verification(
            False,
            len(chain),
            head[0],
            None,
            f"the chain ends at event {len(chain)} but the case's last event is {head[0]}: "
            "events were removed from its end, or the case row was changed",
        )
    return Verification(True, len(chain), erased=tuple(erased))
