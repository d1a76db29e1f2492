"""One-line builders for realistic cases, shared by the integration tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engine.commands import cases, records
from engine.context import Redress
from store import AuditEvent, OutboxMessage, Timer
from tests.conftest import HEAD, SAM


def open_case(app: Redress, *categories: str, staff: tuple[str, ...] = (SAM,), by: str = HEAD, summary: str = "") -> int:
    details = cases.OpenCase(
        categories=categories or ("staff_offensive",),
        summary=summary or "A parent called Mr Smith useless in the school's Facebook group",
        staff=staff,
        platform="Facebook",
        link="https://facebook.example/groups/parents/1",
    )
    return cases.open_case(app, by, details)


def act(app: Redress, case_id: int, action: str, by: str | None = HEAD, **fields: Any) -> cases.ActionResult:
    return cases.take_action(app, case_id, action, by, fields)


def count(app: Redress, model: type, **where: Any) -> int:
    with app.db.reading() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return int(session.scalar(query) or 0)


def snapshot(app: Redress, case_id: int) -> tuple[Any, ...]:
    """Everything a refused command must leave untouched."""
    view = cases_view(app, case_id)
    return (
        view.stage,
        view.version,
        count(app, AuditEvent, case_id=case_id),
        count(app, OutboxMessage),
        count(app, Timer, case_id=case_id, status="pending"),
    )


def cases_view(app: Redress, case_id: int) -> dict[str, Any]:
    from engine.queries.cases import show_case

    return show_case(app, case_id)


def to_meeting_stage(app: Redress, case_id: int) -> None:
    act(app, case_id, "acknowledge", staff_reassured="yes")
    records.add_evidence_link(app, case_id, HEAD, "https://facebook.example/post/1", "the post")
    act(app, case_id, "arrange_meeting", meeting_date="2026-11-30", invited_by="letter")
