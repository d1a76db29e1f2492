"""`redress verify`: every case's chain, its state replayed against its rows, every evidence file, the
checkpoints (and copies of them kept elsewhere) and the access log. Streams: memory stays flat however
many events there are (cases are read in chunks, each chunk's events through a server-side cursor).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from engine.commands.checkpoints import CheckpointView, checkpoint_rows, take_checkpoint
from engine.commands.evidence_check import file_state
from engine.commands.records import evidence_path
from engine.commands.verify_case import CaseRows, Findings, Seen, check_chain, check_state
from engine.context import Redress
from engine.integrity_key import read_key
from store import (
    AccessEntry,
    AuditEvent,
    Case,
    CaseLink,
    Evidence,
    Meeting,
    Note,
    Party,
    VerificationRun,
    audit,
    integrity,
    table_of,
)

CHUNK = 1000
"""Cases read per chunk."""
Progress = Callable[[int, int], None]
"""Told (cases, events) checked so far, after each chunk."""

_cases, _events = table_of(Case), table_of(AuditEvent)
_CASE_COLUMNS = select(
    _cases.c.id,
    _cases.c.stage,
    _cases.c.closed_at,
    _cases.c.version,
    _cases.c.outcome,
    _cases.c.facts,
    _cases.c.summary,
    _cases.c.categories,
    _cases.c.platform,
    _cases.c.link,
    _cases.c.head_seq,
    _cases.c.head_hash,
    _cases.c.workflow_id,
    _cases.c.first_published_on,
    _cases.c.held_at,
    _cases.c.erased_at,
)
# Every column store.audit.check_event reads (`track`, `formula`, `digest`, `erased_at` among them), so it
# checks each event against the very content (or digest) the engine hashed when it wrote it.
_EVENT_COLUMNS = select(
    *(_events.c[name] for name in dict.fromkeys(("id", "case_id", "seq", *audit.CHECKED, "actor_id", "prev_hash", "hash", "mac")))
)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    cases: int
    events: int
    files: int
    unsigned: int
    problems: tuple[str, ...]
    more: int
    keyed: bool
    """Whether an integrity key was there to check the signatures with."""
    checkpoint: CheckpointView | None = None
    erased: int = 0
    """Events whose content was erased under a recorded erasure: reported as erased, not as tampered."""


def verify(
    app: Redress, *, case_id: int | None = None, against: Path | None = None, progress: Progress | None = None
) -> VerifyResult:
    key = read_key(app.settings)
    found = Findings()
    if key is None:
        found.problem(
            "no integrity key (integrity.key in the data folder, or the integrity_key setting): "
            "signatures cannot be checked; run 'redress init' or restore the key"
        )
    with app.db.reading() as session:
        connection = session.connection()
        seen, last = _check_checkpoints(connection, key, found)
        if against is not None:
            _check_against(connection, against, found)
        _check_cases(app, connection, key, seen, found, case_id, progress)
        if case_id is None:
            _check_access_log(connection, key, found)
    return VerifyResult(
        found.ok,
        found.cases,
        found.events,
        found.files,
        found.unsigned,
        tuple(found.problems),
        found.more,
        key is not None,
        last,
        found.erased,
    )


# --- checkpoints ------------------------------------------------------------------------------------


def _check_checkpoints(
    connection: Connection, key: bytes | None, found: Findings
) -> tuple[dict[int, Seen], CheckpointView | None]:
    seen: dict[int, Seen] = {}
    heads: dict[int, tuple[int, str]] = {}
    prev, last = audit.GENESIS, None
    for expected, row in enumerate(checkpoint_rows(connection), start=1):
        problem = _chained_problem(
            f"checkpoint {expected}",
            row,
            expected,
            prev,
            key,
            integrity.canonical_hash(prev, integrity.checkpoint_content(row._mapping)),
        )
        for case_id, (seq, head) in (row.heads or {}).items():
            heads[int(case_id)] = (int(seq), str(head))
            seen.setdefault(int(case_id), []).append((int(seq), str(head), row.seq))
        if not problem and integrity.heads_digest((c, s, h) for c, (s, h) in sorted(heads.items())) != row.heads_digest:
            problem = f"checkpoint {row.seq}: its digest is not that of the heads it records: it was rewritten"
        if problem:
            found.problem(problem)
            break
        prev, last = row.hash, CheckpointView(row.seq, row.at, row.cases, row.heads_digest, row.hash)
    return seen, last


def _chained_problem(name: str, row: Any, expected: int, prev: str, key: bytes | None, digest: str) -> str:
    """What is wrong with one row of a school-wide chain (checkpoints, the access log), or ''."""
    if row.seq != expected:
        return f"{name} is missing ({row.seq} is in its place): rows were deleted"
    if row.prev_hash != prev:
        return f"{name} does not follow the one before it: a row was removed or changed"
    if digest != row.hash:
        return f"{name} was changed after it was written"
    if key is not None and (row.mac is None or not integrity.mac_holds(key, row.hash, row.mac)):
        return f"{name} is not signed by the integrity key: it was forged or rewritten"
    return ""


def _check_against(connection: Connection, path: Path, found: Findings) -> None:
    """Checkpoints kept elsewhere (checkpoints.log lines, or bare digests one a line) must be in the database, unchanged."""
    by_seq = {row.seq: (row.hash, row.heads_digest) for row in checkpoint_rows(connection)}
    known = {value for pair in by_seq.values() for value in pair}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith("{"):
            if line.split()[0] not in known:
                found.problem(f"{path.name} line {number}: digest {line.split()[0][:16]}… matches no checkpoint in the database")
            continue
        kept = json.loads(line)
        mine = by_seq.get(int(kept["seq"]))
        if mine is None:
            found.problem(f"{path.name} line {number}: checkpoint {kept['seq']} is not in the database: checkpoints were removed")
        elif mine != (kept["hash"], kept["heads_digest"]):
            found.problem(
                f"{path.name} line {number}: checkpoint {kept['seq']} differs from the copy kept: "
                "the database's trail was rebuilt after that checkpoint left it"
            )


# --- cases ------------------------------------------------------------------------------------------


def _chunks(connection: Connection, case_id: int | None) -> Iterator[list[Any]]:
    query = _CASE_COLUMNS.order_by(_cases.c.id)
    if case_id is not None:
        query = query.where(_cases.c.id == case_id)
    with connection.execute(query, execution_options={"yield_per": CHUNK}) as result:
        for part in result.partitions():
            yield list(part)


def _check_cases(
    app: Redress,
    connection: Connection,
    key: bytes | None,
    seen: dict[int, Seen],
    found: Findings,
    case_id: int | None,
    progress: Progress | None,
) -> None:
    checkpointed = sorted(seen) if case_id is None else [case_id] if case_id in seen else []
    files: set[str] = set()
    after = 0 if case_id is None else case_id - 1
    for chunk in _chunks(connection, case_id):
        lo, hi = chunk[0].id, chunk[-1].id
        rows = _rows(connection, chunk, lo, hi)
        ids = {row.id for row in chunk}
        for missing in checkpointed[bisect.bisect_right(checkpointed, after) : bisect.bisect_right(checkpointed, hi)]:
            if missing not in ids:
                found.problem(f"case {missing} is gone: checkpoint {seen[missing][-1][2]} saw it at event {seen[missing][-1][0]}")
        for case_rows in rows.values():
            found.cases += 1
            check_chain(case_rows, key, seen.get(case_rows.case.id, []), found)
            spec = app.compiled(case_rows.case.workflow_id).spec
            check_state(case_rows, spec.is_final, found)
            _check_files(app, case_rows, files, found)
        after = hi
        if progress is not None:
            progress(found.cases, found.events)
    for missing in checkpointed[bisect.bisect_right(checkpointed, after) :]:
        found.problem(f"case {missing} is gone: checkpoint {seen[missing][-1][2]} saw it at event {seen[missing][-1][0]}")


def _rows(connection: Connection, chunk: list[Any], lo: int, hi: int) -> dict[int, CaseRows]:
    rows = {case.id: CaseRows(case) for case in chunk}
    events = _EVENT_COLUMNS.where(_events.c.case_id.between(lo, hi)).order_by(_events.c.case_id, _events.c.seq)
    with connection.execute(events, execution_options={"yield_per": 5000}) as result:
        for event in result:
            if event.case_id in rows:
                rows[event.case_id].events.append(event)
    for model, attribute in (
        (Note, "notes"),
        (Meeting, "meetings"),
        (Evidence, "evidence"),
        (Party, "parties"),
        (CaseLink, "links"),
    ):
        table = table_of(model)
        for row in connection.execute(select(table).where(table.c.case_id.between(lo, hi)).order_by(table.c.id)):
            if row.case_id in rows:
                getattr(rows[row.case_id], attribute).append(row)
    return rows


def _check_files(app: Redress, rows: CaseRows, checked: set[str], found: Findings) -> None:
    for item in rows.evidence:
        if item.kind != "file" or item.sha256 is None or item.sha256 in checked or item.erased_at is not None:
            continue
        found.files += 1
        state = file_state(evidence_path(app.data_dir, item.sha256), item.sha256)
        if state == "ok":
            checked.add(item.sha256)
        elif state == "missing":
            found.problem(f"case {rows.case.id}: evidence {item.id} (“{item.original_name}”) is missing from the evidence store")
        else:
            found.problem(
                f"case {rows.case.id}: evidence {item.id} (“{item.original_name}”) was changed after it was added "
                "(its SHA-256 no longer matches)"
            )


def _check_access_log(connection: Connection, key: bytes | None, found: Findings) -> None:
    table = table_of(AccessEntry)
    prev = audit.GENESIS
    with connection.execute(select(table).order_by(table.c.seq), execution_options={"yield_per": 5000}) as rows:
        for expected, row in enumerate(rows, start=1):
            digest = integrity.canonical_hash(prev, integrity.access_content(row._mapping))
            problem = _chained_problem(f"access log entry {expected}", row, expected, prev, key, digest)
            if problem:
                found.problem(problem)
                return
            prev = row.hash


# --- results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationView:
    """The latest `redress verify` run: what the dashboard and the digest show."""

    at: datetime
    ok: bool
    cases: int
    events: int
    files: int
    unsigned: int
    problems: tuple[str, ...]
    checkpoint_seq: int | None
    checkpoint_hash: str | None


def record_result(app: Redress, result: VerifyResult, checkpoint: CheckpointView | None = None) -> None:
    point = checkpoint or result.checkpoint
    with app.db.unit_of_work() as session:
        session.execute(
            insert(VerificationRun).values(
                at=app.clock.now(),
                ok=result.ok,
                cases=result.cases,
                events=result.events,
                files=result.files,
                unsigned=result.unsigned,
                problems=list(result.problems),
                checkpoint_seq=point.seq if point else None,
                checkpoint_hash=point.hash if point else None,
            )
        )


def latest_verification(app: Redress) -> VerificationView | None:
    """The newest verification result, or None when `redress verify` never ran."""
    with app.db.reading() as session:
        row = session.scalars(select(VerificationRun).order_by(VerificationRun.id.desc()).limit(1)).first()
        if row is None:
            return None
        return VerificationView(
            row.at,
            row.ok,
            row.cases,
            row.events,
            row.files,
            row.unsigned,
            tuple(row.problems),
            row.checkpoint_seq,
            row.checkpoint_hash,
        )


def nightly(app: Redress) -> VerifyResult:
    """The worker's nightly run: verify everything, take a checkpoint, keep the result for the dashboard."""
    result = verify(app)
    record_result(app, result, take_checkpoint(app))
    return result


def as_json(result: VerifyResult) -> dict[str, Any]:
    point = result.checkpoint
    return {
        "ok": result.ok,
        "cases": result.cases,
        "events": result.events,
        "files": result.files,
        "unsigned": result.unsigned,
        "erased": result.erased,
        "signatures_checked": result.keyed,
        "problems": list(result.problems),
        "more_problems": result.more,
        "checkpoint": {
            "seq": point.seq,
            "at": point.at.isoformat(timespec="seconds"),
            "hash": point.hash,
            "heads_digest": point.heads_digest,
        }
        if point
        else None,
    }
