"""The tracks of a case as the case page, `case show` and the API present them: where each stands, and what
stands paused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from engine.commands.tracks import TrackRow, running
from engine.context import Redress
from engine.queries.views import PauseView, TrackView
from engine.rules.tracks import paused_by
from store import Case
from workflows import MAIN, Workflow

if TYPE_CHECKING:
    from engine.queries.case_rows import CaseRecord


def track_views(spec: Workflow, case: Case | CaseRecord, rows: Mapping[str, TrackRow]) -> tuple[TrackView, ...]:
    """Every track the case has started, finished ones included, with its stage."""
    listed = []
    for name, row in rows.items():
        track = spec.tracks.get(name)
        stage = track.stages.get(row.stage) if track else None
        listed.append(
            TrackView(
                name,
                track.title if track else name,
                row.stage,
                stage.title if stage else row.stage,
                row.started_at,
                row.stage_entered_at,
                row.finished_at,
                row.running and case.closed_at is None,
            )
        )
    return tuple(listed)


def pause_views(app: Redress, spec: Workflow, case: Case | CaseRecord, rows: Mapping[str, TrackRow]) -> tuple[PauseView, ...]:
    """Each procedure a running track holds still, with a line such as "paused: waiting for the police since
    Tue 2 Dec" (the day as the school reads it); nothing once the case is closed."""
    if case.closed_at is not None:
        return ()
    paused = []
    for procedure, by in paused_by(spec, running(rows)).items():
        since = min(rows[name].stage_entered_at for name in by)
        waiting_for = " and ".join(f"the {spec.tracks[name].title.lower()}" for name in by)
        day = since.astimezone(app.zone)
        paused.append(
            PauseView(
                procedure,
                tuple(by),
                since,
                f"paused: waiting for {waiting_for} since {day:%a} {day.day} {day:%b}",
                procedure == MAIN,
            )
        )
    return tuple(paused)
