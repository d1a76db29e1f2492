"""The defamation limitation reminder: a timer row of kind reminder, one month before a claim about the post
would be out of time, fired by the worker through the same path as every deadline (engine.worker.firing)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from engine.rules import links as rules
from store import Case, Timer, table_of

if TYPE_CHECKING:
    from engine.context import Redress

_timers = table_of(Timer)


def schedule_limitation(app: Redress, session: Session, case: Case, on: date | None, now: datetime) -> datetime | None:
    """Replace the case's limitation reminder: one month before the limitation runs out, or at once when that
    is past but the limitation is not; none when the date is unknown or the limitation has run out."""
    session.connection().execute(
        update(_timers)
        .where(
            _timers.c.case_id == case.id,
            _timers.c.deadline == rules.LIMITATION_DEADLINE,
            _timers.c.status.in_(("pending", "paused")),
        )
        .values(status="cancelled")
    )
    if on is None:
        return None
    today = now.astimezone(app.zone).date()
    if rules.limitation_date(on) < today:
        return None
    due = max(datetime.combine(rules.reminder_date(on), time(9), app.zone), now)
    session.connection().execute(
        insert(_timers),
        {
            "case_id": case.id,
            "stage": case.stage,
            "deadline": rules.LIMITATION_DEADLINE,
            "kind": "reminder",
            "due_at": due,
            "status": "pending",
            "repeat": 0,
            "created_at": now,
            "track": None,
        },
    )
    return due
