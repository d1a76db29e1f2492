"""Letters from a case: drafted from what the case holds, edited by the headteacher, recorded as sent.

One command for every door (the case page, the API, `redress case letter`). A draft is rendered from the
case: the poster's name and postal address, the meeting arranged with them, the platform. The letter as
sent (the text the headteacher kept or edited) is stored as an evidence file under its SHA-256, with a
`letter` event on the case's trail that names the file, so the chronology says "Letter sent by post" and
`verify` replays the file's row from that event as it does any evidence."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.commands.cases import Actor, load_case, resolve_actor
from engine.commands.custody import LETTER, record_access
from engine.commands.evidence_store import place, remove_unless_referenced, spooled
from engine.commands.notify import case_context
from engine.context import Redress
from engine.errors import BadInput, Refused
from engine.rules import inputs
from engine.rules.access import Power, holds
from engine.rules.letters import (
    METHODS,
    LetterKind,
    LetterOption,
    arranged_meeting,
    letter_kind,
    letter_text,
    long_day,
    may_write,
    meeting_tried,
    options,
    who_writes,
)
from engine.rules.letters import method as sending_method
from notifications.errors import TemplateError
from notifications.render import Letter
from store import Case, Evidence, Meeting, audit


@dataclass(frozen=True)
class LetterDraft:
    """A letter drafted from a case, for the headteacher to read, edit and send."""

    case_id: int
    kind: str
    title: str
    to: str
    """Whom it is written to: the poster's name, or the platform."""
    address: str | None
    """The poster's postal address, when the case holds one."""
    meeting: str | None
    """The meeting it names ('Monday 30 November 2026 at the school office'), if any."""
    text: str
    html: str


@dataclass(frozen=True)
class SentLetter:
    """A letter recorded as sent: the evidence item that keeps its text, and the text's SHA-256."""

    case_id: int
    kind: str
    title: str
    method: str
    sent_on: date
    evidence_id: int
    sha256: str
    size: int


def _writer(app: Redress, session: Session, actor_email: str) -> Actor:
    actor = resolve_actor(session, actor_email)
    powers = app.current_workflow(session).spec
    if not holds(powers, actor.roles(), Power.WRITE_LETTERS):
        raise Refused(who_writes(powers))
    return actor


def _meeting_tried(session: Session, case: Case) -> bool:
    held = session.scalars(select(Meeting.id).where(Meeting.case_id == case.id).limit(1)).first()
    return meeting_tried(case.facts or {}, 0 if held is None else 1)


def letter_options(app: Redress, case_id: int, actor_email: str) -> tuple[LetterOption, ...]:
    """The letters the writer may draft from the case, each with the reason it cannot be written yet, if any."""
    with app.db.reading() as session:
        _writer(app, session, actor_email)
        case = load_case(session, case_id)
        return options(_meeting_tried(session, case), case.platform)


def draft_letter(
    app: Redress, case_id: int, kind: str, actor_email: str, *, meeting_date: str | None = None, meeting_place: str | None = None
) -> LetterDraft:
    """Render the letter `kind` from the case. `meeting_date` (as the letter should read it) and `meeting_place`
    override the meeting arranged on the case; without them the letter names that meeting, if there is one."""
    wanted = letter_kind(kind)
    with app.db.reading() as session:
        actor = _writer(app, session, actor_email)
        case = load_case(session, case_id)
        blocked = may_write(wanted, _meeting_tried(session, case), case.platform)
        if blocked:
            raise Refused(blocked)
        context, address, meeting = _context(app, case, actor, meeting_date, meeting_place)
        to = _addressee(case, wanted)
    try:
        written = app.renderer.render_letter(wanted.name, context)
    except TemplateError as exc:
        raise BadInput(f"the letter could not be written: {exc}") from exc
    return LetterDraft(case_id, wanted.name, wanted.title, to, address, meeting, written.text, written.html)


def _addressee(case: Case, kind: LetterKind) -> str:
    """Whom the letter is to: the platform, or the case's (first) poster by name."""
    if kind.to_platform:
        return case.platform or "the platform"
    poster = next((p for p in case.parties if p.kind == "poster" and p.name), None)
    return poster.name if poster is not None and poster.name else "Parent/Carer"


def _context(
    app: Redress, case: Case, actor: Actor, meeting_date: str | None, meeting_place: str | None
) -> tuple[dict[str, object], str | None, str | None]:
    spec = app.compiled(case.workflow_id).spec
    poster = next((p for p in case.parties if p.kind == "poster"), None)
    name = poster.name if poster is not None and poster.name else "Parent/Carer"
    address = poster.address if poster is not None and poster.address else None
    arranged, where = arranged_meeting(case.facts or {})
    when = meeting_date or (long_day(arranged) if arranged else None)
    place = meeting_place or where or "the school office"
    today = app.clock.now().astimezone(app.zone).date()
    context: dict[str, object] = {
        "school_name": app.settings.school_name,
        "case": case_context(app, spec, case),
        "poster": {"name": name, "address": address, "address_lines": _lines(address)},
        "headteacher": {"name": actor.name},
        "meeting": {"date": when, "place": place} if when else None,
        "today": f"{today.day} {today:%B %Y}",  # '23 November 2026', as letters are dated
    }
    return context, address, f"{when} at {place}" if when else None


def _lines(address: str | None) -> list[str]:
    return [line.strip() for line in (address or "").replace(",", "\n").splitlines() if line.strip()]


def letter(
    app: Redress,
    case_id: int,
    kind: str,
    actor_email: str,
    *,
    meeting_date: str | None = None,
    meeting_place: str | None = None,
    deliver: Callable[[Letter], None] | None = None,
) -> Letter:
    """A draft for the command line to print: `deliver` (its file, say) takes it before the access is recorded,
    so a letter that could not be kept leaves no trace. Recording it as sent is `send_letter`."""
    draft = draft_letter(app, case_id, kind, actor_email, meeting_date=meeting_date, meeting_place=meeting_place)
    written = Letter(draft.text, draft.html)
    if deliver is not None:
        deliver(written)
    with app.db.reading() as session:
        actor = resolve_actor(session, actor_email)
    record_access(app, actor.label, actor.id, case_id, LETTER, kind)  # access custody: who wrote which letter
    return written


def send_letter(
    app: Redress, case_id: int, kind: str, actor_email: str, text: str, method: str, sent_on: date | None = None
) -> SentLetter:
    """Record a letter as sent: its text (as edited) stored as an evidence file under its SHA-256, and a `letter`
    event on the trail naming the file, the method and the day, in one unit of work. Each input is checked
    before a byte is stored."""
    wanted = letter_kind(kind)
    with inputs.about("method"):
        how = sending_method(method)
    with inputs.about("text"):
        body = letter_text(text)
    day = sent_on or app.clock.now().astimezone(app.zone).date()
    with inputs.about("sent_on"):
        inputs.past_date(day, app.clock.now(), app.zone, "the day the letter was sent")
    with app.db.reading() as session:
        _checked(app, session, case_id, actor_email, wanted)
    content = (body + "\n").encode("utf-8")
    with spooled(app.data_dir, io.BytesIO(content)) as spool:
        placed = False
        try:
            with app.db.unit_of_work() as session:
                case, actor, to = _checked(app, session, case_id, actor_email, wanted)
                placed = place(app.data_dir, spool)
                evidence = _keep(app, session, case, actor, wanted, how, day, to, spool.sha256, spool.size)
                return SentLetter(case.id, wanted.name, wanted.title, how, day, evidence.id, spool.sha256, spool.size)
        except BaseException:
            if placed:
                remove_unless_referenced(app, spool.sha256)
            raise


def _checked(app: Redress, session: Session, case_id: int, actor_email: str, kind: LetterKind) -> tuple[Case, Actor, str]:
    """The writer may write letters, the case is open, and the letter may be written for it now; whom it is to."""
    actor = _writer(app, session, actor_email)
    if actor.person is None:
        raise Refused("the system does not send letters")
    case = load_case(session, case_id)
    inputs.check_record_open(case.id, case.closed_at)
    blocked = may_write(kind, _meeting_tried(session, case), case.platform)
    if blocked:
        raise Refused(blocked)
    return case, actor, _addressee(case, kind)


def _keep(
    app: Redress,
    session: Session,
    case: Case,
    actor: Actor,
    kind: LetterKind,
    how: str,
    day: date,
    to: str,
    sha256: str,
    size: int,
) -> Evidence:
    assert actor.person is not None  # _checked refuses the system
    now = app.clock.now()
    evidence = Evidence(
        case_id=case.id,
        kind="file",
        sha256=sha256,
        size=size,
        original_name=f"letter-{kind.name.replace('_', '-')}-{day.isoformat()}.txt",
        media_type="text/plain",
        description=f"{kind.title}: letter to {to}, sent {METHODS[how]} on {long_day(day)}",
        added_by_id=actor.person.id,
        added_at=now,
    )
    session.add(evidence)
    session.flush()
    audit.remark(
        session,
        case,
        at=now,
        actor=actor.label,
        actor_id=actor.id,
        kind="letter",
        data={
            "letter": kind.name,
            "title": kind.title,
            "method": how,
            "sent_on": day.isoformat(),
            "to": to,
            # the evidence row as `verify` replays it (the keys an `evidence` event holds)
            "evidence": evidence.id,
            "kind": evidence.kind,
            "sha256": sha256,
            "size": size,
            "name": evidence.original_name,
            "url": None,
            "description": evidence.description,
        },
    )
    return evidence
