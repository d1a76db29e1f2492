"""Evidence is checked whenever it is read (invariant 5): the file's SHA-256 is recomputed before a
byte is served or exported. A missing or changed file is never served as good: the case's trail
records `evidence_check_failed` and the headteacher is emailed (once per file per day).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select

from engine.commands.cases import load_case, resolve_actor
from engine.commands.notify import Renders, case_context, queue, rendered_first
from engine.commands.records import MAX_EVIDENCE_BYTES, evidence_path
from engine.context import Redress
from engine.errors import EvidenceChanged, EvidenceMissing, NotFound
from engine.rules.access import Power, holders
from store import AuditEvent, Evidence, Person, audit

CHUNK = 1024 * 1024
FAILED = "evidence_check_failed"
FileState = Literal["ok", "missing", "changed"]


def file_state(path: Path, sha256: str) -> FileState:
    """Whether the file at `path` is there and still has the SHA-256 it was stored under (read in chunks)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        return "missing"
    return "ok" if digest.hexdigest() == sha256 else "changed"


@dataclass(frozen=True)
class VerifiedFile:
    """An evidence file whose SHA-256 matched: its bytes (or, over the size limit, a private checked copy)."""

    evidence_id: int
    name: str
    media_type: str
    sha256: str
    content: bytes | None = None
    copy: Path | None = None


def read_verified(app: Redress, case_id: int, evidence_id: int, reader: str) -> VerifiedFile:
    """The evidence file, hashed before anything is handed out; EvidenceMissing or EvidenceChanged otherwise."""
    with app.db.reading() as session:
        item = session.get(Evidence, evidence_id)
        if item is None or item.case_id != case_id or item.kind != "file" or item.sha256 is None:
            raise NotFound(f"case {case_id} has no evidence file {evidence_id}")
        name, media_type, sha256 = item.original_name or "evidence", item.media_type or "application/octet-stream", item.sha256
    path = evidence_path(app.data_dir, sha256)
    found = VerifiedFile(evidence_id, name, media_type, sha256)
    try:
        if path.stat().st_size <= MAX_EVIDENCE_BYTES:
            content = path.read_bytes()  # one read: what is hashed is exactly what is served
            if hashlib.sha256(content).hexdigest() == sha256:
                return VerifiedFile(evidence_id, name, media_type, sha256, content=content)
        else:
            copy = _checked_copy(app.data_dir, path, sha256)
            if copy is not None:
                return VerifiedFile(evidence_id, name, media_type, sha256, copy=copy)
        state: FileState = "changed"
    except FileNotFoundError:
        state = "missing"
    raise report_failure(app, case_id, found, state, reader)


def _checked_copy(data_dir: Path, path: Path, sha256: str) -> Path | None:
    """A private copy made while hashing, kept only when it matches: a file too large to hold in memory."""
    digest = hashlib.sha256()
    with path.open("rb") as source, tempfile.NamedTemporaryFile(dir=data_dir, prefix=".served-", delete=False) as copy:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            copy.write(chunk)
    if digest.hexdigest() == sha256:
        return Path(copy.name)
    os.unlink(copy.name)
    return None


def report_failure(app: Redress, case_id: int, item: VerifiedFile, state: FileState, reader: str) -> Exception:
    """Record the failure on the case's trail and alert the headteacher (once per file per school day);
    returns the error the reader is shown."""
    problem = (
        "is missing from the evidence store" if state == "missing" else "no longer matches the fingerprint it was stored with"
    )
    now = app.clock.now()

    def command(renders: Renders, rehearsal: bool) -> None:  # the alert rendered before the write transaction
        with app.db.unit_of_work() as session, renders.staged(session, rehearsal):
            case = load_case(session, case_id)
            today = datetime.combine(now.astimezone(app.zone).date(), time(), app.zone)
            told = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.case_id == case_id,
                    AuditEvent.kind == FAILED,
                    AuditEvent.at >= today,
                    AuditEvent.at < today + timedelta(days=1),
                    AuditEvent.data["evidence"].as_integer() == item.evidence_id,
                )
            )
            actor = resolve_actor(session, reader) if reader != "system" else None
            audit.append(
                session,
                case_id,
                at=now,
                actor=actor.label if actor else reader,
                actor_id=actor.id if actor else None,
                kind=FAILED,
                stage_before=case.stage,
                stage_after=case.stage,
                data={"evidence": item.evidence_id, "sha256": item.sha256, "name": item.name, "state": state},
            )
            if not told:
                wanted = holders(app.current_workflow(session).spec, Power.SEE_EVERY_CASE)
                people = [
                    p
                    for p in session.scalars(select(Person).where(Person.active.is_(True)).order_by(Person.id))
                    if wanted & set(p.roles)
                ]
                queue(
                    app,
                    session,
                    case,
                    FAILED,
                    people,
                    {
                        "case": case_context(app, app.compiled(case.workflow_id).spec, case),
                        "reader": reader,
                        "when": app.local(now),
                        "problem": problem,
                        "evidence": {"id": item.evidence_id, "name": item.name, "sha256": item.sha256},
                    },
                )

    rendered_first(app, command)
    message = (
        f"evidence {item.evidence_id} (“{item.name}”) cannot be shown: the file {problem}. "
        "It has not been served; the headteacher has been told and the case's trail records it."
    )
    return EvidenceMissing(message) if state == "missing" else EvidenceChanged(message)
