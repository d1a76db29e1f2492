"""Which procedure an action moves, which tracks may start, and what stands paused: plain rules, no database.

A case is at one stage of the main procedure and at one stage of each track it has started. Action
names are unique across procedures (a static check holds it), so routing an action is a lookup; a
track's `start` is offered under the name `start_<track>`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from engine.errors import Refused
from workflows import MAIN, Action, Track, TrackStart, Workflow
from workflows.errors import did_you_mean

START_PREFIX = "start_"


def start_name(track: str) -> str:
    """The name a track's `start` action is taken by (`start_police`)."""
    return f"{START_PREFIX}{track}"


@dataclass(frozen=True)
class Route:
    """Where an action belongs: the main procedure (track None), a track's own action, or a track's start."""

    name: str
    track: str | None
    action: Action | TrackStart

    @property
    def starts(self) -> bool:
        return isinstance(self.action, TrackStart)

    @property
    def procedure(self) -> str:
        return self.track or MAIN


def route(spec: Workflow, name: str) -> Route | None:
    """The action called `name`, in whichever procedure declares it; None when none does."""
    if name in spec.actions:
        return Route(name, None, spec.actions[name])
    for track_name, track in spec.tracks.items():
        if name in track.actions:
            return Route(name, track_name, track.actions[name])
        if track.start is not None and name == start_name(track_name):
            return Route(name, track_name, track.start)
    return None


def every_action(spec: Workflow) -> list[str]:
    names = list(spec.actions)
    for track_name, track in spec.tracks.items():
        names += list(track.actions)
        if track.start is not None:
            names.append(start_name(track_name))
    return names


def unknown_action(spec: Workflow, name: str, offered: Collection[str]) -> Refused:
    listed = ", ".join(f"'{n}'" for n in offered) or "none"
    return Refused(f"there is no action '{name}'{did_you_mean(name, every_action(spec))}; you can take: {listed}")


def may_start(spec: Workflow, track_name: str, main_stage: str, running: Collection[str]) -> bool:
    """A track's start is offered at the main stages in its `from`, while the track is not running."""
    track = spec.tracks[track_name]
    if track.start is None or track_name in running or spec.is_final(main_stage):
        return False
    sources = spec.open_stages if isinstance(track.start.from_, str) else track.start.from_
    return main_stage in sources


def check_start(spec: Workflow, track_name: str, main_stage: str, running: Collection[str], roles: Collection[str]) -> TrackStart:
    track = spec.tracks[track_name]
    start = track.start
    if start is None:
        raise Refused(f"the track '{track_name}' ({track.title}) starts on its own: it has no action to start it")
    if track_name in running:
        raise Refused(f"'{track.title}' is already under way on this case")
    if not may_start(spec, track_name, main_stage, running):
        raise Refused(f"'{start.title}' cannot be taken while the case is at '{main_stage}' ({spec.stages[main_stage].title})")
    if not set(start.roles) & set(roles):
        raise Refused(
            f"'{start_name(track_name)}' may be taken only by {', '.join(repr(r) for r in start.roles)}; "
            f"you are {', '.join(repr(r) for r in sorted(roles)) or 'no role'}"
        )
    return start


def check_running(spec: Workflow, track_name: str, stages: Mapping[str, str], action_name: str) -> str:
    """The stage of a running track, for an action of that track; refused when the track is not under way."""
    stage = stages.get(track_name)
    if stage is None:
        track = spec.tracks[track_name]
        hint = f": take '{start_name(track_name)}' first" if track.start is not None else ""
        raise Refused(f"'{action_name}' belongs to '{track.title}', which is not under way on this case{hint}")
    return stage


def paused_by(spec: Workflow, stages: Mapping[str, str]) -> dict[str, list[str]]:
    """Each paused procedure (`main` or a track's name), with the running tracks that pause it.

    `stages` holds the stage of each running track (a finished track pauses nothing)."""
    paused: dict[str, list[str]] = {}
    for track_name, stage in stages.items():
        for procedure in _track(spec, track_name).stages[stage].pauses:
            paused.setdefault(procedure, []).append(track_name)
    return paused


def _track(spec: Workflow, name: str) -> Track:
    return spec.tracks[name]


def offered(spec: Workflow, main_stage: str, stages: Mapping[str, str]) -> list[Route]:
    """The actions a case offers now, roles aside: the main procedure's from its stage, each running track's
    from that track's stage, and the starts of the tracks not running."""
    routes = [Route(name, None, spec.actions[name]) for name in spec.actions_from(main_stage)]
    for name, stage in stages.items():
        track = spec.tracks[name]
        routes += [Route(action, name, track.actions[action]) for action in track.actions_from(stage)]
    for name, track in spec.tracks.items():
        if track.start is not None and may_start(spec, name, main_stage, stages):
            routes.append(Route(start_name(name), name, track.start))
    return routes
