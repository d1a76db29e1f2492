"""One case's checks for `redress verify`: its chain (hashes, signatures, head, checkpoints) and its
state replayed from its events against the rows (the case, notes, meetings, evidence, parties).

Plain functions over the rows one chunk of cases read; `engine.commands.integrity` streams the chunks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row

from store import audit
from store.integrity import mac_holds, party_digest

MAX_PROBLEMS = 100


@dataclass
class Findings:
    """What a run found: counts, and each problem as a sentence naming the case, event or file."""

    cases: int = 0
    events: int = 0
    files: int = 0
    unsigned: int = 0
    erased: int = 0
    """Events whose content was erased (retention, a mistaken upload), each named by a later erasure event."""
    problems: list[str] = field(default_factory=list)
    more: int = 0
    """Problems found beyond the MAX_PROBLEMS kept."""

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        else:
            self.more += 1

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class CaseRows:
    """A case row and every row that hangs off it, as one chunk read them."""

    case: Row[Any]
    events: list[Row[Any]] = field(default_factory=list)
    notes: list[Row[Any]] = field(default_factory=list)
    meetings: list[Row[Any]] = field(default_factory=list)
    evidence: list[Row[Any]] = field(default_factory=list)
    parties: list[Row[Any]] = field(default_factory=list)
    links: list[Row[Any]] = field(default_factory=list)


Seen = list[tuple[int, str, int]]
"""The heads checkpoints recorded for a case: (head_seq, head_hash, checkpoint seq)."""


def _when(event: Row[Any]) -> str:
    return f"{event.kind}, {event.at:%Y-%m-%d %H:%M} UTC"


def check_chain(rows: CaseRows, key: bytes | None, seen: Seen, found: Findings) -> None:
    """The chain from the first event: order, links, hashes, signatures, the head on the case row, and
    every head a checkpoint recorded. The first break is named; what follows it cannot be trusted."""
    case, prev, signed = rows.case, audit.GENESIS, False
    hashes: dict[int, str] = {}
    erased: list[int] = []
    named: set[int] = set()
    for expected, event in enumerate(rows.events, start=1):
        found.events += 1
        problem = _event_problem(f"case {case.id}: event {expected}", event, expected, prev, key, signed)
        if problem == "erased":
            erased.append(event.seq)
        elif problem:
            found.problem(problem)
            return
        found.unsigned += event.mac is None
        signed = signed or event.mac is not None
        named.update(audit.erased_by(event.kind, event.data))
        prev = hashes[event.seq] = event.hash
    found.erased += len(erased)
    for seq in erased:
        if seq not in named:
            found.problem(
                f"case {case.id}: event {seq} is marked erased, but no erasure in its trail names it: "
                "its content was removed behind the trail's back"
            )
    if (case.head_seq, case.head_hash) != (len(rows.events), prev):
        found.problem(
            f"case {case.id}: its trail ends at event {len(rows.events)} but the case row says its last event is "
            f"{case.head_seq}: events were removed from its end, or the case row was changed"
        )
    for seq, head, checkpoint in seen:
        if seq not in hashes:
            found.problem(
                f"case {case.id}: checkpoint {checkpoint} saw event {seq}, which is no longer there: events were removed"
            )
        elif hashes[seq] != head:
            found.problem(
                f"case {case.id}: event {seq} is not the event checkpoint {checkpoint} saw: the trail was rebuilt after it"
            )


def _event_problem(where: str, event: Row[Any], expected: int, prev: str, key: bytes | None, signed: bool) -> str:
    """What is wrong with the event, '' if nothing, or 'erased' if its content was erased and what is left checks."""
    if event.seq != expected:
        return f"{where} is missing (event {event.seq} is in its place): events were deleted or reordered"
    if event.prev_hash != prev:
        return (
            f"{where} ({_when(event)}) does not follow event {expected - 1}: an event before it was removed, swapped or changed"
        )
    state = audit.check_event(prev, event._mapping)
    if state == "changed":
        return f"{where} ({_when(event)}) was changed after it was recorded"
    if key is not None and event.mac is not None and not mac_holds(key, event.hash, event.mac):
        return f"{where} ({_when(event)}) carries a signature the integrity key did not make: it was forged or rewritten"
    if event.mac is None and signed:
        return f"{where} ({_when(event)}) is unsigned after signed events: it was added without the integrity key"
    return "erased" if state == "erased" else ""


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass
class _Replayed:
    stage: str | None = None
    closed: bool | None = None
    outcome: str | None = None
    version: int = 0
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """{action: {field: value}}, the action taken last at the end, as `cases.facts` keeps them."""
    opened: dict[str, Any] = field(default_factory=dict)
    """What the case was opened with, as corrected since (summary, categories, the parties' digest)."""
    withdrawn: dict[int, tuple[Row[Any], str]] = field(default_factory=dict)
    """Evidence withdrawn from the list: its event, and the reason given."""
    records: dict[str, dict[int, tuple[Row[Any], dict[str, Any]]]] = field(
        default_factory=lambda: {"note": {}, "meeting": {}, "evidence": {}}
    )
    published: str | None = None
    """The first-publication date the trail gives (opened with it, or corrected since), as ISO text."""
    links: dict[int, tuple[Row[Any], dict[str, Any]]] = field(default_factory=dict)
    """The cases the trail says this one was linked to (engine.commands.links): other case -> its event."""
    tombstones: dict[int, Row[Any]] = field(default_factory=dict)
    """Evidence erased as a mistaken upload (engine.commands.erasure): item -> its erasure event."""
    purged: Row[Any] | None = None
    """The event that erased the case's content under the retention schedule, if one did."""
    held: bool = False


_TRACK_KINDS = frozenset({"track_started", "track_action", "paused", "resumed"})
"""Events of a case's tracks (engine.commands.tracks, and a track's action through the action path)."""
_CORRECTIONS = frozenset({"corrected", "party_added", "party_removed", "evidence_withdrawn", "reopened"})
"""Each moves the case to its next version (`engine.commands.corrections`)."""
_VERSIONED = frozenset({"migrated", "owner_assigned", "held", "released", "erased"})
"""Other events whose change to the case row moved it to its next version (a new workflow version, an owner)."""


def _replay(events: Sequence[Row[Any]], is_final: Callable[[str], bool]) -> _Replayed:
    state = _Replayed()
    for event in events:
        data = event.data or {}
        if event.kind in _TRACK_KINDS:
            _replay_track(state, event, data)
            continue
        if event.stage_after is not None:
            state.stage = event.stage_after
        if event.kind == "opened":
            state.version, state.opened, state.closed = 1, dict(data), False
            state.published = data.get("first_published_on")
        elif event.kind == "action":
            _take(state, event, data)
            state.closed = bool(data["closed"]) if "closed" in data else is_final(event.stage_after)
            state.outcome = data.get("outcome", state.outcome)
        elif event.kind in _VERSIONED:
            state.version += 1
            if event.kind in ("held", "released"):
                state.held = event.kind == "held"
            elif event.kind == "erased":  # the events before it lost their content: it says how the case stood
                state.purged = event
                state.closed = bool(data.get("closed", state.closed))
                state.outcome = data.get("outcome", state.outcome)
        elif event.kind in _CORRECTIONS:
            state.version += 1
            _correct(state, event, data)
        else:
            _remember(state, event, data)
    return state


def _remember(state: _Replayed, event: Row[Any], data: dict[str, Any]) -> None:
    """Events that leave the case row's version alone: its links, its first-publication date, its records."""
    if event.kind == "evidence_erased" and isinstance(data.get("evidence"), int):
        state.tombstones[data["evidence"]] = event
    elif event.kind == "linked" and isinstance(data.get("other"), int):
        state.links[data["other"]] = (event, data)
    elif event.kind == "first_published_corrected":
        state.published = data.get("first_published_on")
    elif event.kind in state.records and isinstance(data.get(event.kind), int):
        state.records[event.kind][data[event.kind]] = (event, data)
    elif event.kind == "letter" and isinstance(data.get("evidence"), int):  # a letter sent keeps its text as evidence
        state.records["evidence"][data["evidence"]] = (event, data)


def _take(state: _Replayed, event: Row[Any], data: dict[str, Any]) -> None:
    """An action taken (the main procedure's or a track's): the case's next version, its answers kept
    under the action's name (the action taken last at the end), and the meeting it recorded, if any."""
    state.version += 1
    state.facts.pop(event.action, None)  # the action taken last stays last
    state.facts[event.action] = dict(data.get("fields") or {})
    kept = data.get("meeting_kept")
    if isinstance(kept, dict) and isinstance(kept.get("id"), int):  # an action that records a meeting
        state.records["meeting"][kept["id"]] = (event, kept)


def _replay_track(state: _Replayed, event: Row[Any], data: dict[str, Any]) -> None:
    """A track's event never moves the case's own stage, nor closes it, nor changes its outcome. One taken
    as an action (it names one: a track's action, or a track's start by `start_<track>`) moved the case row
    as every action does: its version up by one, its answers into the facts under its name. A track started
    by a category or a main action's `starts_track`, and a pause or a resume, name no action and leave the
    row alone."""
    if event.action is not None:
        _take(state, event, data)


def _correct(state: _Replayed, event: Row[Any], data: dict[str, Any]) -> None:
    """A correction's new values replace what the case was opened with; a reopening opens it again."""
    if event.kind == "corrected":
        for change in data.get("changes") or ():
            if change.get("field") == "summary":
                state.opened["summary"] = change["new"]
            elif change.get("field") == "categories":
                state.opened["categories"] = change.get("new_names", change["new"])
    elif event.kind in ("party_added", "party_removed") and "parties_digest" in data:
        state.opened["parties_digest"] = data["parties_digest"]
    elif event.kind == "evidence_withdrawn" and isinstance(data.get("evidence"), int):
        state.withdrawn[data["evidence"]] = (event, str(data.get("reason") or ""))
    elif event.kind == "reopened":
        state.closed, state.outcome = False, None


def check_state(rows: CaseRows, is_final: Callable[[str], bool], found: Findings) -> None:
    """The case row and its records as the events say they should be; each difference named."""
    case, state = rows.case, _replay(rows.events, is_final)
    name = f"case {case.id}"
    if state.stage is None:
        found.problem(f"{name}: its trail has no events, yet the case exists")
        return
    if case.stage != state.stage:
        found.problem(f"{name}: stage is '{case.stage}' but its trail ends at '{state.stage}'")
    if state.closed is not None and (case.closed_at is not None) != state.closed:
        found.problem(
            f"{name}: it is {'closed' if case.closed_at else 'open'} but its trail says it is {'closed' if state.closed else 'open'}"
        )
    if (state.closed or state.outcome is not None) and case.outcome != state.outcome:
        found.problem(f"{name}: outcome is {case.outcome!r} but its trail says {state.outcome!r}")
    if case.version != state.version:
        found.problem(f"{name}: version is {case.version} but its trail holds {state.version}")
    if _check_erasure(rows, state, found):
        return  # its content was erased: what the erased events said can no longer be compared with the rows
    if _canon(case.facts or {}) != _canon(state.facts):
        found.problem(f"{name}: its facts {_canon(case.facts)} are not those its actions gave ({_canon(state.facts)})")
    _check_opened(rows, state.opened, found)
    _check_withdrawn(name, rows.evidence, state.withdrawn, found)
    _check_links(rows, state, found)
    _check_records(name, "note", rows.notes, state, found, lambda r: {"text": r.text}, "author_id")
    _check_records(
        name,
        "meeting",
        rows.meetings,
        state,
        found,
        lambda r: {"held_on": r.held_on.isoformat(), "attendees": r.attendees, "notes": r.notes},
        "recorded_by_id",
    )
    _check_records(
        name,
        "evidence",
        rows.evidence,
        state,
        found,
        lambda r: {
            "kind": r.kind,
            "sha256": r.sha256,
            "size": r.size,
            "name": r.original_name,
            "url": r.url,
            "description": r.description,
        },
        "added_by_id",
    )


def _check_erasure(rows: CaseRows, state: _Replayed, found: Findings) -> bool:
    """The legal hold, the tombstones and the purge as the trail says; True when the case's content was erased."""
    case, name = rows.case, f"case {rows.case.id}"
    if (case.held_at is not None) != state.held:
        found.problem(
            f"{name}: it is {'under' if case.held_at else 'not under'} a legal hold but its trail says it "
            f"{'is' if state.held else 'is not'}"
        )
    _check_tombstones(name, rows.evidence, state, found)
    if state.purged is None and case.erased_at is None:
        return False
    if state.purged is None:
        found.problem(f"{name}: its content is marked erased, but its trail holds no erasure")
    elif case.erased_at is None:
        found.problem(f"{name}: its content was erased at event {state.purged.seq}, but the case row says it was not")
    elif case.summary or case.facts or rows.parties or any(n.text for n in rows.notes):
        found.problem(f"{name}: its content was erased at event {state.purged.seq}, but content is back on it")
    return True


def _check_opened(rows: CaseRows, opened: dict[str, Any], found: Findings) -> None:
    case = rows.case
    for column, key in (("summary", "summary"), ("categories", "categories"), ("platform", "platform"), ("link", "link")):
        if key in opened and _canon(getattr(case, column)) != _canon(opened[key]):
            found.problem(f"case {case.id}: its {column} is not what it was opened with")
    if "parties_digest" in opened:
        digest = party_digest([(p.kind, p.person_id, p.reference, p.name, p.contact) for p in rows.parties])
        if digest != opened["parties_digest"]:
            found.problem(f"case {case.id}: its parties (staff, pupils, posters) are not those it was opened with")
    else:
        pupils = sum(1 for p in rows.parties if p.kind == "pupil")
        if "pupils" in opened and pupils != opened["pupils"]:
            found.problem(f"case {case.id}: it has {pupils} pupil(s) but was opened with {opened['pupils']}")


def _check_tombstones(name: str, evidence: Sequence[Row[Any]], state: _Replayed, found: Findings) -> None:
    """An item is a tombstone only if an erasure in the trail says so (a mistaken upload, or the case's purge);
    one the trail erased is never back with its name or file."""
    for row in evidence:
        event = state.tombstones.get(row.id)
        if row.erased_at is not None and event is None and state.purged is None:
            found.problem(f"{name}: evidence {row.id} is marked erased, but its trail holds no erasure")
        elif event is not None and row.erased_at is None:
            found.problem(f"{name}: evidence {row.id} was erased at event {event.seq}, but is back with its content")
        elif event is not None and row.sha256 != (event.data or {}).get("sha256"):
            found.problem(f"{name}: evidence {row.id}'s tombstone no longer carries the SHA-256 erased at event {event.seq}")


def _check_withdrawn(
    name: str, evidence: Sequence[Row[Any]], withdrawn: dict[int, tuple[Row[Any], str]], found: Findings
) -> None:
    """Evidence is withdrawn only by a correction with its reason; never put back, never withdrawn unseen."""
    for row in evidence:
        if row.erased_at is not None:
            continue  # a tombstone: its withdrawal's event lost its content with it
        entry = withdrawn.get(row.id)
        if entry is None and row.withdrawn_at is not None:
            found.problem(f"{name}: evidence {row.id} is marked withdrawn, but its trail holds no withdrawal")
        elif entry is not None and row.withdrawn_at is None:
            found.problem(f"{name}: evidence {row.id} was withdrawn at event {entry[0].seq}, but is back on the list")
        elif entry is not None and (row.withdrawn_reason or "") != entry[1]:
            found.problem(f"{name}: evidence {row.id}'s reason for withdrawal is not the one given at event {entry[0].seq}")


def _check_links(rows: CaseRows, state: _Replayed, found: Findings) -> None:
    """The case's first-publication date and its links to other cases, as its trail says they were made."""
    case, name = rows.case, f"case {rows.case.id}"
    published = case.first_published_on.isoformat() if case.first_published_on else None
    if published != state.published:
        found.problem(
            f"{name}: its first-publication date is {published or 'not set'} but its trail says {state.published or 'not set'}"
        )
    linked = dict(state.links)
    for row in rows.links:
        entry = linked.pop(row.other_id, None)
        if entry is None:
            found.problem(f"{name}: its link to case {row.other_id} is not in its trail: it was added behind the trail's back")
            continue
        event, data = entry
        if (row.reason, row.basis) != (data.get("reason"), data.get("basis")) or (
            event.actor_id is not None and row.by_id != event.actor_id
        ):
            found.problem(f"{name}: its link to case {row.other_id} was edited after it was made (trail event {event.seq})")
    for other, (event, _) in sorted(linked.items()):
        found.problem(f"{name}: its link to case {other}, made at event {event.seq}, has been deleted")


def _check_records(
    name: str,
    kind: str,
    rows: Sequence[Row[Any]],
    state: _Replayed,
    found: Findings,
    shown: Callable[[Row[Any]], dict[str, Any]],
    by: str,
) -> None:
    recorded = dict(state.records[kind])
    for row in rows:
        if kind == "evidence" and row.id in state.tombstones:
            recorded.pop(row.id, None)  # its events lost their content with it: `_check_tombstones` checks it
            continue
        entry = recorded.pop(row.id, None)
        if entry is None:
            found.problem(f"{name}: {kind} {row.id} is not in its trail: it was added behind the trail's back")
            continue
        event, data = entry
        wanted = shown(row)
        changed = sorted(k for k, v in wanted.items() if k in data and _canon(v) != _canon(data[k]))
        if changed or (event.actor_id is not None and getattr(row, by) != event.actor_id):
            what = ", ".join(changed) or "who recorded it"
            found.problem(f"{name}: {kind} {row.id} was edited after it was recorded ({what}; trail event {event.seq})")
    for record_id, (event, _) in sorted(recorded.items()):
        found.problem(f"{name}: {kind} {record_id}, recorded at event {event.seq}, has been deleted")
