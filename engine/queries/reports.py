"""Read-side views of the reports staff make of posts about themselves: the reporter's own (with a progress
line at each stage change of the case opened from one), and the triage list for the holders of triage_reports."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engine.context import Redress
from engine.errors import NotAllowed, NotFound
from engine.queries.views import ProgressLine, ReportView, TriageItem, TriagePage
from engine.rules.access import Power, Viewer, may_triage_reports, only
from store import AuditEvent, Case, Person, StaffReport

SHOWN = 50
_MOVES = ("opened", "action")
"""The events that move the case's own procedure (a track's moves are not the reporter's business)."""


def reports_of(app: Redress, session: Session, reporter_id: int) -> tuple[ReportView, ...]:
    """The reporter's reports, newest first; for each opened one, the stage titles its case has reached, in order."""
    reports = list(
        session.scalars(
            select(StaffReport).where(StaffReport.reporter_id == reporter_id).order_by(StaffReport.id.desc()).limit(SHOWN)
        )
    )
    case_ids = [r.case_id for r in reports if r.case_id is not None]
    progress: dict[int, list[ProgressLine]] = {}
    if case_ids:
        workflows = {
            row.id: row.workflow_id for row in session.execute(select(Case.id, Case.workflow_id).where(Case.id.in_(case_ids)))
        }
        events = session.execute(
            select(AuditEvent.case_id, AuditEvent.at, AuditEvent.stage_before, AuditEvent.stage_after)
            .where(AuditEvent.case_id.in_(case_ids), AuditEvent.kind.in_(_MOVES), AuditEvent.track.is_(None))
            .order_by(AuditEvent.case_id, AuditEvent.seq)
        )
        for case_id, at, before, after in events:
            if after is None or (before == after and before is not None):
                continue
            stages = app.compiled(workflows[case_id]).spec.stages
            title = stages[after].title if after in stages else after
            progress.setdefault(case_id, []).append(ProgressLine(at.astimezone(app.zone).date(), title))
    return tuple(
        ReportView(
            r.id,
            r.created_at,
            r.text,
            r.link,
            r.status,
            r.reason,
            r.case_id,
            tuple(progress.get(r.case_id, ())) if r.case_id is not None else (),
        )
        for r in reports
    )


def my_reports(app: Redress, viewer: Viewer) -> tuple[ReportView, ...]:
    with app.db.reading() as session:
        return reports_of(app, session, viewer.id)


def _check(app: Redress, viewer: Viewer) -> None:
    if not may_triage_reports(viewer):
        raise NotAllowed(only(app.current_workflow().spec, Power.TRIAGE_REPORTS, "read the reports from staff"))


def _item(report: StaffReport, reporter: Person) -> TriageItem:
    return TriageItem(
        report.id,
        reporter.name,
        reporter.email,
        report.created_at,
        report.text,
        report.link,
        report.seen_at,
        report.file_name,
        report.status,
        report.reason,
        report.case_id,
    )


def triage_list(app: Redress, viewer: Viewer, *, offset: int = 0, limit: int = SHOWN) -> TriagePage:
    """One page of the reports from staff: new ones first (oldest first among them), then the decided, newest first."""
    _check(app, viewer)
    offset, limit = max(offset, 0), min(max(limit, 1), 200)
    with app.db.reading() as session:
        new_first = case((StaffReport.status == "new", 0), else_=1)
        rows = session.execute(
            select(StaffReport, Person)
            .join(Person, Person.id == StaffReport.reporter_id)
            .order_by(new_first, case((StaffReport.status == "new", StaffReport.id), else_=-StaffReport.id))
            .offset(offset)
            .limit(limit)
        )
        items = tuple(_item(report, person) for report, person in rows)
        total = session.scalar(select(func.count()).select_from(StaffReport)) or 0
    return TriagePage(items, total, offset, limit)


def triage_item(app: Redress, viewer: Viewer, report_id: int) -> TriageItem:
    """One report from staff, for those who triage them (to pre-fill the open-case form)."""
    _check(app, viewer)
    with app.db.reading() as session:
        row = session.execute(
            select(StaffReport, Person).join(Person, Person.id == StaffReport.reporter_id).where(StaffReport.id == report_id)
        ).first()
    if row is None:
        raise NotFound(f"there is no report {report_id}")
    return _item(*row)
