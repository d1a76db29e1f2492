"""A case's tracks as rows: started, moved and finished in the caller's unit of work, with their deadlines
and the pauses they put on other procedures.

Written with Core statements on the session's connection, like the rest of the action path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from engine.commands.deadlines import pause, resume, start_stage_deadlines
from engine.rules.tracks import paused_by
from store import Case, CaseTrack, audit, table_of
from workflows import MAIN, Notification, Workflow

if TYPE_CHECKING:
    from engine.context import Redress

_rows = table_of(CaseTrack)


@dataclass(frozen=True)
class TrackRow:
    """One started track of a case, as read."""

    track: str
    stage: str
    started_at: datetime
    stage_entered_at: datetime
    finished_at: datetime | None

    @property
    def running(self) -> bool:
        return self.finished_at is None


def load(session: Session, case_id: int) -> dict[str, TrackRow]:
    """Every track the case has started, finished ones included, by name: as `read_ahead` read them for this
    session, the first time they are asked for, else read now."""
    ahead: dict[int, dict[str, TrackRow]] = session.info.get(READ_AHEAD, {})
    if case_id in ahead:
        return ahead.pop(case_id)
    rows = session.connection().execute(_LOAD, {"case_id": case_id})
    return {row.track: TrackRow(*row) for row in rows}


def read_ahead(session: Session, case_ids: list[int]) -> None:
    """Read the tracks of these cases in one query (the worker's batch, its cases locked), each kept for the
    first `load` of its case in this session; a case whose tracks are written before then is read again."""
    ahead: dict[int, dict[str, TrackRow]] = {case_id: {} for case_id in case_ids}
    for row in session.connection().execute(_LOAD_MANY, {"case_ids": case_ids}):
        ahead[row.case_id][row.track] = TrackRow(*row[1:])
    session.info[READ_AHEAD] = ahead


def _written(session: Session, case_id: int) -> None:
    session.info.get(READ_AHEAD, {}).pop(case_id, None)


READ_AHEAD = "tracks_read_ahead"
_COLUMNS = (_rows.c.track, _rows.c.stage, _rows.c.started_at, _rows.c.stage_entered_at, _rows.c.finished_at)
_LOAD_MANY = (
    select(_rows.c.case_id, *_COLUMNS).where(_rows.c.case_id.in_(bindparam("case_ids", expanding=True))).order_by(_rows.c.id)
)


_LOAD = (
    select(_rows.c.track, _rows.c.stage, _rows.c.started_at, _rows.c.stage_entered_at, _rows.c.finished_at)
    .where(_rows.c.case_id == bindparam("case_id"))
    .order_by(_rows.c.id)
)


def running(rows: Mapping[str, TrackRow]) -> dict[str, str]:
    """The stage of each running track."""
    return {name: row.stage for name, row in rows.items() if row.running}


def start_notes(spec: Workflow, names: list[str]) -> tuple[Notification, ...]:
    """Who is told when these tracks start: each one's `start` notifications."""
    return tuple(note for name in names if (start := spec.tracks[name].start) is not None for note in start.notify)


def start(
    app: Redress, session: Session, spec: Workflow, case: Case, name: str, rows: dict[str, TrackRow], now: datetime
) -> None:
    """Put the track at its initial stage (again, if it finished before) and start that stage's deadlines,
    paused if the track stands paused. `rows` is updated."""
    stage = spec.tracks[name].initial_stage
    values = {"stage": stage, "started_at": now, "stage_entered_at": now, "finished_at": None}
    connection = session.connection()
    _written(session, case.id)
    if name in rows:
        connection.execute(update(_rows).where(_rows.c.case_id == case.id, _rows.c.track == name).values(**values))
    else:
        connection.execute(insert(_rows).values(case_id=case.id, track=name, **values))
    rows[name] = TrackRow(name, stage, now, now, None)
    start_stage_deadlines(app, session, spec, case, now, track=name, stage=stage, paused=name in paused_by(spec, running(rows)))


def move(
    app: Redress, session: Session, spec: Workflow, case: Case, name: str, stage: str, rows: dict[str, TrackRow], now: datetime
) -> bool:
    """Move a running track to `stage` (its pending deadlines already cancelled); a final stage finishes it.
    Returns whether it finished. `rows` is updated."""
    final = spec.tracks[name].is_final(stage)
    finished_at = now if final else None
    _written(session, case.id)
    session.connection().execute(
        update(_rows)
        .where(_rows.c.case_id == case.id, _rows.c.track == name)
        .values(stage=stage, stage_entered_at=now, finished_at=finished_at)
    )
    rows[name] = TrackRow(name, stage, rows[name].started_at, now, finished_at)
    if not final:
        start_stage_deadlines(
            app, session, spec, case, now, track=name, stage=stage, paused=name in paused_by(spec, running(rows))
        )
    return final


def settle_pauses(
    app: Redress,
    session: Session,
    spec: Workflow,
    case: Case,
    before: Mapping[str, str],
    after: Mapping[str, str],
    now: datetime,
    actor: str,
    actor_id: int | None,
) -> None:
    """Pause the procedures a track now waits on, and resume those no running track pauses any more; each
    change is an event in the case's trail."""
    was, now_paused = paused_by(spec, before), paused_by(spec, after)
    for procedure in [p for p in now_paused if p not in was]:
        count = pause(session, case.id, _track(procedure), now)
        _record(
            session,
            case,
            now,
            actor,
            actor_id,
            "paused",
            procedure,
            {"procedure": procedure, "by": now_paused[procedure], "deadlines": count},
        )
    for procedure in [p for p in was if p not in now_paused]:
        count = resume(app, session, spec, case, _track(procedure), now)
        _record(
            session,
            case,
            now,
            actor,
            actor_id,
            "resumed",
            procedure,
            {"procedure": procedure, "by": was[procedure], "deadlines": count},
        )


def record_start(
    session: Session, case: Case, name: str, stage: str, now: datetime, actor: str, actor_id: int | None, data: dict[str, Any]
) -> None:
    """The `track_started` event of a track started by an opening's category or a main action's `starts_track`."""
    audit.remark(
        session,
        case,
        at=now,
        actor=actor,
        actor_id=actor_id,
        kind="track_started",
        track=name,
        data={"track_stage": stage, **data},
    )


def _record(
    session: Session, case: Case, now: datetime, actor: str, actor_id: int | None, kind: str, procedure: str, data: dict[str, Any]
) -> None:
    audit.remark(
        session,
        case,
        at=now,
        actor=actor,
        actor_id=actor_id,
        kind=kind,
        track=_track(procedure),
        data=data,
    )


def _track(procedure: str) -> str | None:
    return None if procedure == MAIN else procedure
