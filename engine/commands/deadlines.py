"""Deadlines as timer rows: started when a case (or one of its tracks) enters a stage, cancelled when it
leaves, paused while a track waits on a third party and resumed with the time they had left.

The rows are the truth (invariant 2); this module only writes them, in the caller's
transaction. Firing them is the worker's job (engine.firing).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, bindparam, insert, select, update
from sqlalchemy.orm import Session

from engine.rules.links import LIMITATION_DEADLINE
from engine.rules.timing import resumed_due
from store import Case, Timer, table_of
from workflows import Deadline, Stage, Workflow

if TYPE_CHECKING:
    from engine.context import Redress


def stage_of(spec: Workflow, track: str | None, stage: str) -> Stage | None:
    """The stage a timer belongs to: of the main procedure, or of a track (None if the workflow has none)."""
    stages = spec.stages if track is None else (spec.tracks[track].stages if track in spec.tracks else {})
    return stages.get(stage)


def start_stage_deadlines(
    app: Redress,
    session: Session,
    spec: Workflow,
    case: Case,
    entered_at: datetime,
    *,
    track: str | None = None,
    stage: str | None = None,
    paused: bool = False,
) -> int:
    """Add a timer for every deadline of the case's (new) stage, or of `stage` of `track`; returns how many.

    The deadlines are the stage's for the case's categories (`faster_for`). With `paused` (the procedure
    stands paused while a track waits), they start paused with their whole time to go.
    Written at once on the session's connection (no Timer objects: nothing for the session to flush)."""
    now = app.clock.now()
    stage = stage or case.stage
    found = stage_of(spec, track, stage)
    deadlines = found.deadlines_for(case.categories) if found else ()
    rows = []
    for deadline in deadlines:
        due = app.calendar.due(entered_at, deadline.after)
        rows.append(
            {
                "case_id": case.id,
                "stage": stage,
                "deadline": deadline.name,
                "kind": deadline.kind,
                "due_at": due,
                "status": "paused" if paused else "pending",
                "repeat": 0,
                "created_at": now,
                "fired_at": None,
                "track": track,
                "paused_at": now if paused else None,
                "remaining_seconds": _seconds(due, now) if paused else None,
            }
        )
    if rows:
        session.connection().execute(_INSERT_TIMER, rows)
    return len(rows)


def _seconds(due: datetime, now: datetime) -> int:
    return max(int((due - now).total_seconds()), 0)


_timers = table_of(Timer)
_INSERT_TIMER = insert(_timers)
_CANCEL = (
    update(_timers)
    .where(
        _timers.c.case_id == bindparam("where_case"),
        _timers.c.status.in_(("pending", "paused")),
    )
    .values(status="cancelled")
)
_CANCEL_MAIN = _CANCEL.where(_timers.c.track.is_(None), _timers.c.deadline != LIMITATION_DEADLINE)
_CANCEL_TRACK = _CANCEL.where(_timers.c.track == bindparam("where_track"), _timers.c.deadline != LIMITATION_DEADLINE)


def cancel_pending(session: Session, case_id: int, *, track: str | None = None, every: bool = False) -> int:
    """Cancel the pending (and paused) deadlines of a case's procedure: the main one, or `track`'s (it left
    the stage they belong to); with `every`, of all its procedures (the case closed)."""
    # On the connection, not through the session: no timer of the case is held as an object, and this
    # way the session is not flushed here as well as at commit (one flush per command is enough).
    # The limitation reminder belongs to no stage: a move leaves it; only the case's closing cancels it.
    statement = _CANCEL if every else _CANCEL_MAIN if track is None else _CANCEL_TRACK
    result = session.connection().execute(statement, {"where_case": case_id, "where_track": track})
    return int(getattr(result, "rowcount", 0) or 0)


def pause(session: Session, case_id: int, track: str | None, now: datetime) -> int:
    """Stop the pending deadlines of a procedure (main: track None): each keeps the time it had left."""
    rows = (
        session.connection()
        .execute(
            select(_timers.c.id, _timers.c.due_at).where(
                _timers.c.case_id == case_id,
                _timers.c.status == "pending",
                _procedure(track),
                _timers.c.deadline != LIMITATION_DEADLINE,
            )
        )
        .all()
    )
    for timer_id, due_at in rows:
        session.connection().execute(
            update(_timers)
            .where(_timers.c.id == timer_id)
            .values(status="paused", paused_at=now, remaining_seconds=_seconds(due_at, now))
        )
    return len(rows)


def resume(app: Redress, session: Session, spec: Workflow, case: Case, track: str | None, now: datetime) -> int:
    """Set a procedure's paused deadlines going again, with the time they had left (engine.rules.timing.resumed_due)."""
    columns = (_timers.c.id, _timers.c.stage, _timers.c.deadline, _timers.c.repeat, _timers.c.due_at, _timers.c.paused_at)
    rows = (
        session.connection()
        .execute(select(*columns).where(_timers.c.case_id == case.id, _timers.c.status == "paused", _procedure(track)))
        .all()
    )
    for timer_id, stage, name, repeat, due_at, paused_at in rows:
        deadline = definition(spec, case, track, stage, name)
        length = deadline.repeat if deadline and repeat and deadline.repeat else (deadline.after if deadline else None)
        due = resumed_due(app.calendar, length.unit, paused_at, due_at, now) if length else now
        session.connection().execute(
            update(_timers)
            .where(_timers.c.id == timer_id)
            .values(status="pending", due_at=due, paused_at=None, remaining_seconds=None)
        )
    return len(rows)


def _procedure(track: str | None) -> ColumnElement[bool]:
    return _timers.c.track.is_(None) if track is None else _timers.c.track == track


def definition(spec: Workflow, case: Case, track: str | None, stage: str, name: str) -> Deadline | None:
    """The deadline a timer stands for, as the case's categories have it (`faster_for`)."""
    found = stage_of(spec, track, stage)
    return next((d for d in found.deadlines_for(case.categories) if d.name == name), None) if found else None


def pending(session: Session, case_id: int) -> list[Timer]:
    return list(session.scalars(select(Timer).where(Timer.case_id == case_id, Timer.status == "pending").order_by(Timer.due_at)))


def waiting(session: Session, case_id: int) -> list[Timer]:
    """A case's pending and paused deadlines, the soonest first."""
    return list(
        session.scalars(
            select(Timer).where(Timer.case_id == case_id, Timer.status.in_(("pending", "paused"))).order_by(Timer.due_at)
        )
    )
