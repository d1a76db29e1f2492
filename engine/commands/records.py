"""Commands that add to a case's record without moving it: evidence, notes, meetings.

Evidence files are stored content-addressed (by SHA-256) under the data folder: the
name a person gave a file is kept as text and never becomes a path.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from engine.commands.cases import Actor, load_case, resolve_actor
from engine.context import Redress
from engine.errors import BadInput, Refused
from engine.files import private_folder
from engine.rules.access import Power, holds, only
from store import Case, Evidence, Meeting, Note, audit

MAX_EVIDENCE_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


def evidence_path(data_dir: Path, sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise BadInput("not an evidence file reference")
    return data_dir / "evidence" / sha256[:2] / sha256


def store_file(data_dir: Path, content: bytes) -> StoredFile:
    """Write `content` once under its hash (atomically); the same file twice is stored once."""
    if len(content) > MAX_EVIDENCE_BYTES:
        raise BadInput(f"the file is {len(content) // 1024 // 1024} MB: evidence files may be up to {MAX_EVIDENCE_BYTES // 1024 // 1024} MB")
    digest = hashlib.sha256(content).hexdigest()
    target = evidence_path(data_dir, digest)
    if not target.exists():
        private_folder(target.parent)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
            tmp.write(content)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, target)
    return StoredFile(digest, len(content))


def _clean_name(name: str) -> str:
    """Keep only the last part of a file name, as text, for display."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:255] or "file"


def add_evidence_file(app: Redress, case_id: int, actor_email: str, content: bytes, name: str, description: str = "") -> Evidence:
    if not content:
        raise BadInput("the file is empty: give a screenshot or a saved page", field="file")
    original = _clean_name(name)
    stored = store_file(app.data_dir, content)
    media_type = mimetypes.guess_type(original)[0] or "application/octet-stream"
    return _add_evidence(app, case_id, actor_email, Evidence(
        kind="file", sha256=stored.sha256, size=stored.size, original_name=original, media_type=media_type,
        description=description.strip(),
    ))


def add_evidence_link(app: Redress, case_id: int, actor_email: str, url: str, description: str = "",
                      captured_at: datetime | None = None) -> Evidence:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise BadInput(f"'{url}' is not a web link: give the full address, starting https://", field="url")
    return _add_evidence(app, case_id, actor_email, Evidence(
        kind="link", url=url, captured_at=captured_at or app.clock.now(), description=description.strip(),
    ))


@dataclass(frozen=True)
class _Recording:
    """One addition to a case's record, in one unit of work: the case, who adds, and when."""

    session: Session
    case: Case
    actor: Actor
    now: datetime

    def keep(self, row: Evidence | Note | Meeting, kind: str, data: dict[str, Any]) -> None:
        """Add the row and its audit event (which names the row's id)."""
        self.session.add(row)
        self.session.flush()
        audit.append(self.session, self.case.id, at=self.now, actor=self.actor.label, actor_id=self.actor.id, kind=kind,
                     stage_before=self.case.stage, stage_after=self.case.stage, data={kind: row.id, **data})


@contextmanager
def _recording(app: Redress, case_id: int, actor_email: str) -> Iterator[_Recording]:
    with app.db.unit_of_work() as session:
        case = load_case(session, case_id)
        actor = resolve_actor(session, actor_email)
        powers = app.current_workflow(session).spec
        if not holds(powers, actor.roles(), Power.KEEP_RECORDS):
            refusal = only(powers, Power.KEEP_RECORDS, "add to a case's record")
            raise Refused(f"{refusal}; {actor.label} may not")
        yield _Recording(session, case, actor, app.clock.now())


def _person_id(actor: Actor) -> int:
    if actor.person is None:
        raise Refused("the system does not add to a case's record")
    return actor.person.id


def _add_evidence(app: Redress, case_id: int, actor_email: str, evidence: Evidence) -> Evidence:
    with _recording(app, case_id, actor_email) as record:
        evidence.case_id, evidence.added_by_id, evidence.added_at = record.case.id, _person_id(record.actor), record.now
        record.keep(evidence, "evidence", {
            "kind": evidence.kind, "sha256": evidence.sha256, "size": evidence.size, "name": evidence.original_name,
            "url": evidence.url, "description": evidence.description})
        return evidence


def add_note(app: Redress, case_id: int, actor_email: str, text: str) -> Note:
    text = text.strip()
    if not text:
        raise BadInput("the note is empty: write what happened", field="text")
    with _recording(app, case_id, actor_email) as record:
        note = Note(case_id=record.case.id, author_id=_person_id(record.actor), text=text, created_at=record.now)
        record.keep(note, "note", {"text": text})
        return note


def record_meeting(app: Redress, case_id: int, actor_email: str, held_on: date, attendees: str, notes: str = "") -> Meeting:
    if not attendees.strip():
        raise BadInput("say who attended the meeting (roles or names)", field="attendees")
    today = app.clock.now().astimezone(app.zone).date()
    if held_on > today:
        raise BadInput(f"{held_on.isoformat()} is in the future: record a meeting once it has been held "
                       f"(today, {today.isoformat()}, or before)", field="held_on")
    with _recording(app, case_id, actor_email) as record:
        if record.case.closed_at is not None:
            raise Refused(f"case {case_id} is closed: meetings are recorded on open cases")
        meeting = Meeting(case_id=record.case.id, held_on=held_on, attendees=attendees.strip(), notes=notes.strip(),
                          recorded_by_id=_person_id(record.actor), recorded_at=record.now)
        record.keep(meeting, "meeting", {"held_on": held_on.isoformat(), "attendees": meeting.attendees, "notes": meeting.notes})
        return meeting
