"""Deadlines as timer rows: started when a case enters a stage, cancelled when it leaves.

The rows are the truth (invariant 2); this module only writes them, in the caller's
transaction. Firing them is the worker's job (engine.firing).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from store import Case, Timer, table_of
from workflows import Workflow

if TYPE_CHECKING:
    from engine.context import Redress


def start_stage_deadlines(app: Redress, session: Session, spec: Workflow, case: Case, entered_at: datetime) -> int:
    """Add a pending timer for every deadline of the case's (new) stage; returns how many.

    Written at once on the session's connection (no Timer objects: nothing for the session to flush)."""
    now = app.clock.now()
    rows = [
        {"case_id": case.id, "stage": case.stage, "deadline": deadline.name, "kind": deadline.kind,
         "due_at": app.calendar.due(entered_at, deadline.after), "status": "pending", "repeat": 0,
         "created_at": now, "fired_at": None}
        for deadline in spec.stages[case.stage].deadlines
    ]
    if rows:
        session.connection().execute(_INSERT_TIMER, rows)
    return len(rows)


_INSERT_TIMER = insert(table_of(Timer))
_CANCEL = update(table_of(Timer)).where(
    table_of(Timer).c.case_id == bindparam("where_case"), table_of(Timer).c.status == "pending",
).values(status="cancelled")


def cancel_pending(session: Session, case_id: int) -> int:
    """Cancel every pending deadline of a case (it left the stage they belong to)."""
    # On the connection, not through the session: no timer of the case is held as an object, and this
    # way the session is not flushed here as well as at commit (one flush per command is enough).
    result = session.connection().execute(_CANCEL, {"where_case": case_id})
    return int(getattr(result, "rowcount", 0) or 0)


def pending(session: Session, case_id: int) -> list[Timer]:
    return list(session.scalars(
        select(Timer).where(Timer.case_id == case_id, Timer.status == "pending").order_by(Timer.due_at)
    ))
