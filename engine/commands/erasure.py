"""Erasure under UK GDPR, with the trail intact: one evidence file uploaded by mistake (a tombstone stays,
with its SHA-256), a case's content when the retention schedule says it is due (a certificate stays), and
the legal hold that stops a purge (a person's; the workflow's own is engine.commands.legal_hold).

An audit event commits to a digest of its content (store.audit, formula 2), so erasing the content of
earlier events leaves the chain and the checkpoints checking; the erasure is itself an event that names
the events it erased, and `redress verify` reports them as erased, never as tampered with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.commands.cases import Actor, load_case, resolve_actor
from engine.commands.evidence_store import remove_unless_referenced
from engine.context import Redress
from engine.errors import BadInput, NotFound, Refused
from engine.rules import inputs
from engine.rules.access import Power, holds, only
from store import AuditEvent, Case, CaseLink, ErasureCertificate, Evidence, Meeting, Note, audit, table_of

MAX_REASON = 2000
MISTAKEN_UPLOAD = "mistaken_upload"
MISTAKEN_UPLOAD_TITLE = "Erased at once: uploaded by mistake (UK GDPR Article 17, the right to erasure)"


@dataclass(frozen=True)
class CertificateView:
    """A certificate of erasure: what went, when, under which rule, by whom, and the trail event that records it."""

    id: int
    case_id: int
    at: datetime
    actor: str
    rule: str
    rule_title: str
    what: tuple[str, ...]
    event_seq: int
    event_hash: str


def certificate_view(row: ErasureCertificate) -> CertificateView:
    return CertificateView(
        row.id, row.case_id, row.at, row.actor, row.rule, row.rule_title, tuple(row.what), row.event_seq, row.event_hash
    )


def _reason(reason: str, what: str) -> str:
    if not (reason or "").strip():
        raise BadInput(f"say why: {what} needs a reason, which is kept with it", field="reason")
    with inputs.about("reason"):
        return inputs.text(reason, "the reason", limit=MAX_REASON, required=True)


def require_power(app: Redress, session: Session, actor: Actor, power: Power, doing: str) -> None:
    spec = app.current_workflow(session).spec
    if actor.person is None or not holds(spec, actor.roles(), power):
        raise Refused(f"{only(spec, power, doing)}; {actor.label} may not")


def _erase_events(session: Session, case_id: int, seqs: Iterable[int], now: datetime) -> None:
    """Erase these events' content; their frame and digest stay, so the chain still checks."""
    wanted = sorted(set(seqs))
    if not wanted:
        return
    events = table_of(AuditEvent)
    session.connection().execute(
        update(events)
        .where(events.c.case_id == case_id, events.c.seq.in_(wanted), events.c.erased_at.is_(None))
        .values(data={}, erased_at=now)
    )


def _certify(
    session: Session, case_id: int, actor: str, rule: str, title: str, what: Sequence[str], link: audit.Link, now: datetime
) -> ErasureCertificate:
    row = ErasureCertificate(
        case_id=case_id,
        at=now,
        actor=actor,
        rule=rule,
        rule_title=title,
        what=list(what),
        event_seq=link.seq,
        event_hash=link.hash,
    )
    session.add(row)
    session.flush()
    return row


def _tombstone(item: Evidence, by: int | None, reason: str, now: datetime) -> str:
    """Make the row a tombstone: its SHA-256 and size stay, its name, description and link go. Says what went."""
    said = (
        f"evidence file {item.id} (SHA-256 {item.sha256}, {item.size} bytes): the file, its name and description"
        if item.kind == "file"
        else f"evidence link {item.id}: the address and its description"
    )
    item.erased_at, item.erased_by_id, item.erased_reason = now, by, reason
    item.original_name, item.description, item.url = None, "", None
    return said


def _about(session: Session, case_id: int, kinds: Sequence[str], key: str, value: int) -> list[int]:
    """The case's events of these kinds whose content names `key: value` (an evidence item's own events)."""
    rows = session.execute(
        select(AuditEvent.seq, AuditEvent.data).where(
            AuditEvent.case_id == case_id, AuditEvent.kind.in_(kinds), AuditEvent.erased_at.is_(None)
        )
    )
    return [seq for seq, data in rows if isinstance(data, dict) and data.get(key) == value]


def erase_evidence(app: Redress, case_id: int, actor_email: str, evidence_id: int, reason: str) -> CertificateView:
    """Erase one evidence item uploaded by mistake (a photo of a child): the file leaves the store at once, the
    row stays as a tombstone (who, when, why, its SHA-256), and the events that named it lose their content."""
    why = _reason(reason, "erasing an upload")
    with app.db.unit_of_work() as session:
        case = load_case(session, case_id)
        actor = resolve_actor(session, actor_email)
        require_power(app, session, actor, Power.ERASE_RECORDS, "erase evidence")
        item = session.scalar(select(Evidence).where(Evidence.id == evidence_id, Evidence.case_id == case_id))
        if item is None:
            raise NotFound(f"case {case_id} has no evidence item {evidence_id}")
        if item.erased_at is not None:
            raise Refused(f"evidence item {evidence_id} was already erased")
        now, sha256, size = app.clock.now(), item.sha256, item.size
        seqs = _about(session, case_id, ("evidence", "evidence_withdrawn"), "evidence", item.id)
        said = _tombstone(item, actor.id, why, now)
        session.flush()
        _erase_events(session, case_id, seqs, now)
        link = audit.remark(
            session,
            case,
            at=now,
            actor=actor.label,
            actor_id=actor.id,
            kind="evidence_erased",
            data={"evidence": item.id, "sha256": sha256, "size": size, "events": seqs, "reason": why},
        )
        certificate = certificate_view(
            _certify(session, case.id, actor.label, MISTAKEN_UPLOAD, MISTAKEN_UPLOAD_TITLE, [said], link, now)
        )
    if sha256 is not None:
        remove_unless_referenced(app, sha256)  # after the commit: a unit of work that failed keeps the file
    return certificate


# --- a case's content --------------------------------------------------------------------------------


def erase_case_content(
    app: Redress, session: Session, case: Case, actor: Actor, rule: str, title: str, now: datetime
) -> tuple[ErasureCertificate, list[str]]:
    """Erase a case's content in the caller's unit of work: its evidence (tombstones), summary, where it was
    posted, the names and contacts of the people on it, its notes, meetings' words, links' reasons, the
    answers given with its actions (facts), and the content of every earlier event bar earlier erasures.
    What stays: its stage, dates, categories, outcome, its trail's frame and digests, and a certificate.
    Returns the certificate and the SHA-256 of the files to take from the store once committed."""
    if case.held_at is not None:
        raise Refused(f"case {case.id} is under a legal hold ({case.held_reason}): release it before its content is erased")
    what: list[str] = []
    files: list[str] = []
    for item in session.scalars(select(Evidence).where(Evidence.case_id == case.id, Evidence.erased_at.is_(None))):
        if item.sha256 is not None:
            files.append(item.sha256)
        what.append(_tombstone(item, actor.id, f"retention: {title}", now))
    notes = session.scalars(select(Note).where(Note.case_id == case.id)).all()
    for note in notes:
        note.text = ""
    meetings = session.scalars(select(Meeting).where(Meeting.case_id == case.id)).all()
    for meeting in meetings:
        meeting.attendees, meeting.notes = "", ""
    for link_row in session.scalars(select(CaseLink).where(CaseLink.case_id == case.id)):
        link_row.reason = ""
    people = len(case.parties)
    for party in list(case.parties):
        case.parties.remove(party)
        session.delete(party)
    case.summary, case.facts, case.platform, case.link, case.erased_at = "", {}, None, None, now
    what += [
        "the summary of what was posted, and where",
        f"the names, references and contacts of the {people} people on the case",
        f"the text of {len(notes)} note(s) and the words of {len(meetings)} meeting(s)",
        "the answers given with each action (its facts), and the content of every earlier event of its trail",
    ]
    session.flush()  # one version: the ORM moves it with the case row
    seqs = list(
        session.scalars(
            select(AuditEvent.seq).where(
                AuditEvent.case_id == case.id, AuditEvent.erased_at.is_(None), AuditEvent.kind.not_in(audit.ERASURES)
            )
        )
    )
    _erase_events(session, case.id, seqs, now)
    link = audit.remark(
        session,
        case,
        at=now,
        actor=actor.label,
        actor_id=actor.id,
        kind="erased",
        data={
            "rule": rule,
            "rule_title": title,
            "events": seqs,
            "what": what,
            "closed": case.closed_at is not None,
            "outcome": case.outcome,
        },
    )
    return _certify(session, case.id, actor.label, rule, title, what, link, now), files


def take_files(app: Redress, files: Iterable[str]) -> None:
    """After the erasure committed: the files no living row names leave the store."""
    for sha256 in dict.fromkeys(files):
        remove_unless_referenced(app, sha256)


def certificates(app: Redress, actor_email: str, case_id: int | None = None) -> tuple[CertificateView, ...]:
    """Every certificate of erasure (or one case's), oldest first: for those who hold `erase_records`."""
    with app.db.reading() as session:
        actor = resolve_actor(session, actor_email)
        require_power(app, session, actor, Power.ERASE_RECORDS, "read the certificates of erasure")
        query = select(ErasureCertificate).order_by(ErasureCertificate.id)
        if case_id is not None:
            query = query.where(ErasureCertificate.case_id == case_id)
        return tuple(certificate_view(row) for row in session.scalars(query))


# --- legal hold --------------------------------------------------------------------------------------


def _set_hold(app: Redress, case_id: int, actor_email: str, reason: str, hold: bool) -> None:
    why = _reason(reason, "a legal hold" if hold else "releasing a legal hold")
    with app.db.unit_of_work() as session:
        case = load_case(session, case_id)
        actor = resolve_actor(session, actor_email)
        require_power(app, session, actor, Power.HOLD_CASES, "put a case under a legal hold or release it")
        if hold and case.held_at is not None:
            raise Refused(f"case {case_id} is already under a legal hold ({case.held_reason})")
        if not hold and case.held_at is None:
            raise Refused(f"case {case_id} is not under a legal hold")
        if hold and case.erased_at is not None:
            raise Refused(f"case {case_id}'s content was already erased: there is nothing left to hold")
        now = app.clock.now()
        case.held_at, case.held_reason, case.held_by_id = (now, why, actor.id) if hold else (None, None, None)
        session.flush()  # one version: the ORM moves it with the row
        audit.remark(
            session,
            case,
            at=now,
            actor=actor.label,
            actor_id=actor.id,
            kind="held" if hold else "released",
            data={"reason": why},
        )


def hold_case(app: Redress, case_id: int, actor_email: str, reason: str) -> None:
    """Put a case under a legal hold (legal advice, the police): it is never purged until released."""
    _set_hold(app, case_id, actor_email, reason, True)


def release_hold(app: Redress, case_id: int, actor_email: str, reason: str) -> None:
    """Release a case's legal hold: the retention schedule applies to it again."""
    _set_hold(app, case_id, actor_email, reason, False)
