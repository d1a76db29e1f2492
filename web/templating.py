"""Jinja2 for the pages: autoescape on, undefined names are errors, one base layout with the navigation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import Response

from engine import (
    Viewer,
    may_answer_subject_requests,
    may_erase_records,
    may_manage_people,
    may_open_case,
    may_read_log,
    may_read_people_changes,
    may_read_report,
    may_read_review,
    may_resend_email,
    may_triage_reports,
)
from web.forms import held_refusal
from web.session import csrf_token, redress, take_flash

TEMPLATES = Path(__file__).parent / "templates"


@cache
def templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["short_hash"] = lambda value: (value or "")[:12]
    env.filters["safe_url"] = safe_url
    return Jinja2Templates(env=env)


def safe_url(value: str | None) -> str | None:
    """A user-given link, only if it is a plain http(s) address (never javascript: or data:)."""
    if not value:
        return None
    lowered = value.strip().lower()
    return value.strip() if lowered.startswith(("https://", "http://")) and not any(c.isspace() for c in value.strip()) else None


_REPORTS = (("/report", "Report", may_read_report), ("/review", "Annual review", may_read_review))

_POWER_PAGES: tuple[tuple[Callable[[Viewer], bool], str, str], ...] = (
    (may_manage_people, "/people", "People"),
    (may_manage_people, "/access", "Sign-in and access"),
    (may_read_people_changes, "/people/changes", "People changes"),
    (may_resend_email, "/outbox", "Outbox"),
    (may_triage_reports, "/reports", "Reports from staff"),
    (may_answer_subject_requests, "/subject-requests", "Subject access"),
    (may_erase_records, "/erasures", "Erasures"),
)
"""The pages a power opens, in menu order (after the dashboard, the case pages, the log and the report)."""


def nav(request: Request, viewer: Viewer, may_open: bool | None = None) -> list[tuple[str, str]]:
    """The pages this person may open, in menu order; `may_open` when the page's own read has said already."""
    if may_open is None:
        may_open = may_open_case(viewer, redress(request).current_workflow().spec)
    links = [("/", "Dashboard")]
    if may_open:
        links.append(("/cases/new", "Open a case"))
    if may_read_log(viewer):
        links.append(("/log", "Incident log"))
    if "report" in request.app.state.features:
        links += [(href, label) for href, label, may in _REPORTS if may(viewer)]
    links += [(href, label) for may, href, label in _POWER_PAGES if may(viewer)]
    links.append(("/workflow", "Workflow"))
    return links


def page(
    request: Request,
    name: str,
    viewer: Viewer | None,
    context: dict[str, Any] | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    may_open: bool | None = None,
) -> Response:
    """Render a page with the layout's context: who is signed in, their menu, the CSRF token, a message."""
    app = redress(request)
    full = {
        "refusal": None if context and "refusal" in context else held_refusal(request),
        "viewer": viewer,
        "nav": nav(request, viewer, may_open) if viewer else [],
        "path": request.url.path,
        "csrf_token": csrf_token(request),
        "flash": take_flash(request),
        "school_name": app.settings.school_name,
        "error": None,
        "local": app.local,
        **(context or {}),
    }
    return templates().TemplateResponse(request, name, full, status_code=status, headers=headers)


def error_page(request: Request, status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    viewer = getattr(request.state, "viewer", None)
    titles = {
        403: "Not allowed",
        404: "Not found",
        405: "Not allowed",
        409: "Changed meanwhile",
        410: "Evidence missing",
        422: "Not done",
        500: "Evidence failed its check",
    }
    return page(
        request,
        "error.html",
        viewer,
        {"status": status, "title": titles.get(status, "Error"), "message": message},
        status=status,
        headers=headers,
    )
