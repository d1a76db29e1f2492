"""Commands that add to a case's record without moving it: evidence, notes, meetings.

Evidence files are stored content-addressed (by SHA-256) under the data folder: the
name a person gave a file is kept as text and never becomes a path.
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from engine.commands.cases import Actor, load_case, resolve_actor
from engine.commands.evidence_store import MAX_EVIDENCE_BYTES as MAX_EVIDENCE_BYTES
from engine.commands.evidence_store import evidence_path as evidence_path
from engine.commands.evidence_store import place, remove_unless_referenced, spooled
from engine.commands.evidence_store import store_file as store_file
from engine.context import Redress
from engine.errors import BadInput, Refused
from engine.rules import inputs
from engine.rules.access import Power, holds, only
from store import Case, Evidence, Meeting, Note, audit

DESCRIPTION_MAX = inputs.DESCRIPTION_MAX


def _clean_name(name: str) -> str:
    """Keep only the last part of a file name, as text, for display."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:255] or "file"


def _description(value: str) -> str:
    return inputs.text(value, "the description", limit=DESCRIPTION_MAX)


def add_evidence_file(
    app: Redress, case_id: int, actor_email: str, content: bytes | BinaryIO, name: str, description: str = ""
) -> Evidence:
    """Store a file (bytes, or a stream read in chunks) as evidence. The case and the actor are checked before
    a byte is stored; the file reaches its address only in the unit of work that adds its row."""
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    original = _clean_name(name)
    with inputs.about("description"):
        description = _description(description)
    with app.db.reading() as session:
        _checked(app, session, case_id, actor_email)
    with inputs.about("file"), spooled(app.data_dir, stream) as spool:
        placed = False
        try:
            with _recording(app, case_id, actor_email) as record:
                placed = place(app.data_dir, spool)
                media_type = mimetypes.guess_type(original)[0] or "application/octet-stream"
                return _keep_evidence(
                    record,
                    Evidence(
                        kind="file",
                        sha256=spool.sha256,
                        size=spool.size,
                        original_name=original,
                        media_type=media_type,
                        description=description,
                    ),
                )
        except BaseException:
            if placed:
                remove_unless_referenced(app, spool.sha256)
            raise


def add_evidence_link(
    app: Redress, case_id: int, actor_email: str, url: str, description: str = "", captured_at: datetime | None = None
) -> Evidence:
    with inputs.about("url"):
        url = inputs.url(url)
    with inputs.about("description"):
        description = _description(description)
    if captured_at is not None:
        with inputs.about("captured_at"):
            inputs.past_instant(captured_at, app.clock.now(), "the capture time")
    with _recording(app, case_id, actor_email) as record:
        return _keep_evidence(
            record, Evidence(kind="link", url=url, captured_at=captured_at or record.now, description=description)
        )


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
        audit.append(
            self.session,
            self.case.id,
            at=self.now,
            actor=self.actor.label,
            actor_id=self.actor.id,
            kind=kind,
            stage_before=self.case.stage,
            stage_after=self.case.stage,
            data={kind: row.id, **data},
        )


def _checked(app: Redress, session: Session, case_id: int, actor_email: str) -> tuple[Case, Actor]:
    """The case exists and is open, and the actor may add to its record."""
    case = load_case(session, case_id)
    actor = resolve_actor(session, actor_email)
    powers = app.current_workflow(session).spec
    if not holds(powers, actor.roles(), Power.KEEP_RECORDS):
        refusal = only(powers, Power.KEEP_RECORDS, "add to a case's record")
        raise Refused(f"{refusal}; {actor.label} may not")
    inputs.check_record_open(case.id, case.closed_at)
    return case, actor


@contextmanager
def _recording(app: Redress, case_id: int, actor_email: str) -> Iterator[_Recording]:
    with app.db.unit_of_work() as session:
        case, actor = _checked(app, session, case_id, actor_email)
        yield _Recording(session, case, actor, app.clock.now())


def _person_id(actor: Actor) -> int:
    if actor.person is None:
        raise Refused("the system does not add to a case's record")
    return actor.person.id


def _keep_evidence(record: _Recording, evidence: Evidence) -> Evidence:
    evidence.case_id, evidence.added_by_id, evidence.added_at = record.case.id, _person_id(record.actor), record.now
    record.keep(
        evidence,
        "evidence",
        {
            "kind": evidence.kind,
            "sha256": evidence.sha256,
            "size": evidence.size,
            "name": evidence.original_name,
            "url": evidence.url,
            "description": evidence.description,
        },
    )
    return evidence


def add_note(app: Redress, case_id: int, actor_email: str, text: str) -> Note:
    with inputs.about("text"):
        text = inputs.text(text, "the note", required=True)
    with _recording(app, case_id, actor_email) as record:
        note = Note(case_id=record.case.id, author_id=_person_id(record.actor), text=text, created_at=record.now)
        record.keep(note, "note", {"text": text})
        return note


def record_meeting(app: Redress, case_id: int, actor_email: str, held_on: date, attendees: str, notes: str = "") -> Meeting:
    with inputs.about("held_on"):
        inputs.past_date(held_on, app.clock.now(), app.zone, "the meeting's date")
    if not attendees.strip():
        raise BadInput("say who attended the meeting (roles or names)", field="attendees")
    with inputs.about("attendees"):
        attendees = inputs.text(attendees, "the attendees", limit=DESCRIPTION_MAX, required=True)
    with inputs.about("notes"):
        notes = inputs.text(notes, "the meeting's notes")
    with _recording(app, case_id, actor_email) as record:
        meeting = Meeting(
            case_id=record.case.id,
            held_on=held_on,
            attendees=attendees,
            notes=notes,
            recorded_by_id=_person_id(record.actor),
            recorded_at=record.now,
        )
        record.keep(meeting, "meeting", {"held_on": held_on.isoformat(), "attendees": meeting.attendees, "notes": meeting.notes})
        return meeting
