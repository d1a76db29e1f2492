"""Staff self-report: a member of staff reports a post about themselves; those who triage reports open a
case from it (engine.commands.cases.open_case, with `OpenCase.report_id`) or decline it with a reason the
reporter reads.

A screenshot goes through the evidence intake (engine.commands.evidence_store: read in chunks, refused
past the limit, placed at its SHA-256 only in the unit of work that adds the row); a case opened from the
report gets it as an evidence item."""

from __future__ import annotations

import mimetypes
from datetime import datetime
from typing import BinaryIO

from sqlalchemy.orm import Session

from engine.commands.evidence_store import place, remove_unless_referenced, spooled
from engine.commands.people import person_by_email
from engine.context import Redress
from engine.errors import NotAllowed, NotFound, Refused
from engine.rules import inputs
from engine.rules.access import Power, Viewer, may_triage_reports, only
from store import Case, Evidence, Person, StaffReport, audit

NEW, OPENED, DECLINED = "new", "opened", "declined"


def _clean_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:255] or "screenshot"


def submit_report(
    app: Redress,
    reporter_email: str,
    text: str,
    link: str | None = None,
    seen_at: datetime | None = None,
    file: BinaryIO | None = None,
    file_name: str = "",
) -> int:
    """Record a report by an active member of staff of a post about themselves; returns its id."""
    now = app.clock.now()
    with inputs.about("text"):  # each refusal names its field, so a form links its message to the input
        text = inputs.text(text, "what was posted", required=True)
    with inputs.about("link"):
        link = inputs.url(link) if link and link.strip() else None
    with inputs.about("seen_at"):
        seen_at = inputs.past_instant(seen_at, now, "when you saw it") if seen_at else None
    with app.db.reading() as session:
        person_by_email(session, reporter_email)  # refused before a byte of the file is stored
    if file is None:
        with app.db.unit_of_work() as session:
            return _add(session, reporter_email, StaffReport(text=text, link=link, seen_at=seen_at, created_at=now))
    with spooled(app.data_dir, file) as spool:
        placed = False
        try:
            with app.db.unit_of_work() as session:
                placed = place(app.data_dir, spool)
                return _add(
                    session,
                    reporter_email,
                    StaffReport(
                        text=text,
                        link=link,
                        seen_at=seen_at,
                        created_at=now,
                        file_sha256=spool.sha256,
                        file_name=_clean_name(file_name),
                        file_size=spool.size,
                    ),
                )
        except BaseException:
            if placed:
                remove_unless_referenced(app, spool.sha256)
            raise


def _add(session: Session, reporter_email: str, report: StaffReport) -> int:
    report.reporter_id = person_by_email(session, reporter_email).id
    report.status = NEW
    session.add(report)
    session.flush()
    return report.id


def _triager(app: Redress, session: Session, actor_email: str) -> Person:
    spec = app.current_workflow(session).spec
    person = person_by_email(session, actor_email)
    if not may_triage_reports(Viewer.of(spec, person.id, person.email, person.name, person.roles)):
        raise NotAllowed(only(spec, Power.TRIAGE_REPORTS, "read and decide on the reports from staff"))
    return person


def _new_report(session: Session, report_id: int) -> StaffReport:
    report = session.get(StaffReport, report_id)
    if report is None:
        raise NotFound(f"there is no report {report_id}")
    if report.status != NEW:
        raise Refused(f"report {report_id} is already {report.status}: it was decided on before")
    return report


def decline_report(app: Redress, report_id: int, actor_email: str, reason: str) -> None:
    """Decline a report, with a reason the reporter reads."""
    reason = inputs.text(reason, "the reason (the reporter reads it)", limit=inputs.DESCRIPTION_MAX, required=True)
    with app.db.unit_of_work() as session:
        actor = _triager(app, session, actor_email)
        report = _new_report(session, report_id)
        report.status, report.reason = DECLINED, reason
        report.decided_at, report.decided_by_id = app.clock.now(), actor.id


def reporter_of(app: Redress, session: Session, report_id: int, actor_email: str) -> str:
    """For open_case: the email of the reporter of a report still new, if the actor may triage reports."""
    _triager(app, session, actor_email)
    report = _new_report(session, report_id)
    reporter = session.get(Person, report.reporter_id)
    assert reporter is not None
    return reporter.email


def link_case(session: Session, case: Case, report_id: int, actor: Person, now: datetime) -> None:
    """Inside open_case's unit of work: the report points at its case, and its screenshot becomes evidence."""
    report = _new_report(session, report_id)
    report.status, report.case_id, report.decided_at, report.decided_by_id = OPENED, case.id, now, actor.id
    if report.file_sha256 is None:
        return
    name = report.file_name or "screenshot"
    evidence = Evidence(
        case_id=case.id,
        kind="file",
        sha256=report.file_sha256,
        size=report.file_size,
        original_name=name,
        media_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        description=f"Sent with the staff report {report.id}",
        added_by_id=report.reporter_id,
        added_at=now,
    )
    session.add(evidence)
    session.flush()
    audit.remark(
        session,
        case,
        at=now,
        actor=actor.email,
        actor_id=actor.id,
        kind="evidence",
        data={
            "evidence": evidence.id,
            "kind": "file",
            "sha256": evidence.sha256,
            "size": evidence.size,
            "name": name,
            "url": None,
            "description": evidence.description,
        },
    )
