"""The tracks of a case as the case page and `case show` present them: where each stands, and what stands paused."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine.commands.tracks import TrackRow, running
from engine.context import Redress
from engine.rules.tracks import paused_by
from store import Case
from workflows import MAIN, Workflow


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def track_views(app: Redress, spec: Workflow, case: Case, rows: Mapping[str, TrackRow]) -> dict[str, Any]:
    """`tracks`: every started track, with its stage; `paused`: each procedure a running track holds still,
    with a line such as "paused: waiting for the police since Tue 2 Dec"."""
    listed = []
    for name, row in rows.items():
        track = spec.tracks.get(name)
        stage = track.stages.get(row.stage) if track else None
        listed.append(
            {
                "name": name,
                "title": track.title if track else name,
                "stage": row.stage,
                "stage_title": stage.title if stage else row.stage,
                "started_at": _iso(row.started_at),
                "stage_entered_at": _iso(row.stage_entered_at),
                "finished_at": _iso(row.finished_at),
                "running": row.running and case.closed_at is None,
            }
        )
    paused = []
    if case.closed_at is None:
        for procedure, by in paused_by(spec, running(rows)).items():
            since = min(rows[name].stage_entered_at for name in by)
            waiting_for = " and ".join(f"the {spec.tracks[name].title.lower()}" for name in by)
            day = since.astimezone(app.zone)
            paused.append(
                {
                    "procedure": procedure,
                    "by": by,
                    "since": _iso(since),
                    "text": f"paused: waiting for {waiting_for} since {day:%a} {day.day} {day:%b}",
                    "main": procedure == MAIN,
                }
            )
    return {"tracks": listed, "paused": paused}
