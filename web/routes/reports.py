"""Reports from staff: a member of staff reports a post about themselves; those who triage reports open a
case from one (the open-case form, pre-filled) or decline it with a reason the reporter reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from engine import (
    DESCRIPTION_MAX,
    TEXT_MAX,
    URL_MAX,
    BadInput,
    NotFound,
    Refused,
    Viewer,
    decline_report,
    may_open_case,
    may_triage_reports,
    parse_instant,
    submit_report,
    triage_item,
    triage_list,
)
from web.errors import Denied
from web.forms import about, echo, held_refusal, refuse, text
from web.routes.cases import _open_form
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, flash
from web.templating import page

router = APIRouter(include_in_schema=False)

ReportId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _triager(viewer: Viewer) -> None:
    if not may_triage_reports(viewer):
        raise Denied("only those who triage reports from staff may see them")


REPORT_FIELDS = {"text": "report-text", "link": "report-link", "seen_at": "report-seen", "file": "report-file"}
"""The engine's field names as the ids of the report form's inputs (the error summary links to them)."""


@router.get("/reports/new")
def report_form(request: Request, viewer: ViewerDep) -> Response:
    """Any member of staff signed in: report a post about yourself (again with what they typed, when refused)."""
    refusal = held_refusal(request)
    values = refusal.for_form("report") if refusal else {}
    return page(request, "report_new.html", viewer, {"values": values, "refusal": refusal})


@router.post("/reports/new", dependencies=[FORM_CSRF])
def report_post(request: Request, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    upload = form.get("file")
    try:
        seen = text(form, "seen_at", 40).strip()
        file = upload if isinstance(upload, UploadFile) and upload.filename else None
        submit_report(
            app,
            viewer.email,
            text(form, "text", TEXT_MAX),
            text(form, "link", URL_MAX).strip() or None,
            parse_instant(seen, app.zone) if seen else None,
            file.file if file else None,
            file.filename or "" if file else "",
        )
    except (Refused, BadInput, NotFound) as exc:  # post/redirect/get, the text typed kept (the file must be chosen again)
        return refuse(request, "/reports/new", "report", exc, echo(form), REPORT_FIELDS)
    flash(request, "Thank you: your report is with the school's leaders. You can follow it here, under 'Your reports'.")
    return RedirectResponse("/", status_code=303)


@router.get("/reports")
def reports_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    """The reports from staff, new ones first (the holders of triage_reports)."""
    _triager(viewer)
    listed = triage_list(app, viewer)
    return page(
        request, "reports.html", viewer, {"reports": listed, "may_open": may_open_case(viewer, app.current_workflow().spec)}
    )


@router.get("/reports/{report_id}/open")
def open_from_report(request: Request, report_id: ReportId, app: RedressDep, viewer: ViewerDep) -> Response:
    """The open-case form, pre-filled from the report; posting it links the report to the new case."""
    _triager(viewer)
    item = triage_item(app, viewer, report_id)
    if item.status != "new":
        raise Denied(f"report {report_id} is already {item.status}")
    values = {
        "summary": item.text,
        "link": item.link or "",
        "staff": [item.reporter_email],
        "report_id": str(item.id),
        "seen_at": item.seen_at.astimezone(app.zone).strftime("%Y-%m-%dT%H:%M") if item.seen_at else "",
    }
    return _open_form(request, app, viewer, values)


@router.post("/reports/{report_id}/decline", dependencies=[FORM_CSRF])
def decline(request: Request, report_id: ReportId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    _triager(viewer)
    try:
        decline_report(app, report_id, viewer.email, text(form, "reason", DESCRIPTION_MAX))
    except (Refused, BadInput) as exc:  # post/redirect/get back to this report on the list
        return refuse(
            request,
            f"/reports#report-{report_id}",
            f"decline-{report_id}",
            about(exc, "reason"),
            echo(form),
            {"reason": f"reason-{report_id}"},
        )
    flash(request, f"Report {report_id} is declined; its reporter sees your reason.")
    return RedirectResponse("/reports", status_code=303)
