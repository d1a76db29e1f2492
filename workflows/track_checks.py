"""The static checks that only tracks, and the faster deadlines of urgent categories, need.

A track's stages and actions are checked by the same rules as the main procedure's (`checks`);
these are what a track adds: how it starts, what it pauses, and names that must not clash.
"""

from __future__ import annotations

from collections.abc import Iterator

from .errors import Problem
from .guards import GUARDS
from .procedures import Loc, doer_refs, procedures, stage_refs, unknown
from .reader import Marks
from .spec import MAIN, Stage, Workflow


def track_checks(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    for rule in (_starts, _never_started, _pauses, _establishes, _faster, _action_names):
        yield from rule(spec, marks)


def _starts(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    """`starts_track` and `starts_tracks` name declared tracks; a track's `start` is a sound action."""
    for name, category in spec.categories.items():
        for i, started in enumerate(category.starts_tracks):
            if started not in spec.tracks:
                yield marks.at(("categories", name, "starts_tracks", i), unknown("track", started, spec.tracks))
    for at, proc in procedures(spec):
        starters = [(name, action.starts_track) for name, action in proc.actions.items() if action.starts_track]
        for name, track_name in starters:
            loc: Loc = (*at, "actions", name, "starts_track")
            if at:
                yield marks.at(loc, "only an action of the main procedure can start a track")
            elif track_name not in spec.tracks:
                yield marks.at(loc, unknown("track", track_name, spec.tracks))
    for name, track in spec.tracks.items():
        if (start := track.start) is not None:
            here: Loc = ("tracks", name, "start")
            yield from stage_refs(spec, marks, start.from_, (*here, "from"))
            yield from doer_refs(spec, marks, start.roles, start.guards, start.notify, here)


def _never_started(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    started = {a.starts_track for a in spec.actions.values()} | {t for c in spec.categories.values() for t in c.starts_tracks}
    for name, track in spec.tracks.items():
        if track.start is None and name not in started:
            yield marks.at(
                ("tracks", name),
                f"track '{name}' is never started: give it a 'start' action, or name it "
                "in an action's 'starts_track' or a category's 'starts_tracks'",
                key=True,
            )


def _pauses(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    """Only a track's waiting stage pauses, and only procedures that exist: `main` or another track."""
    for name, stage in spec.stages.items():
        if stage.pauses:
            yield marks.at(
                ("stages", name, "pauses"), "only a stage of a track can pause: the main procedure pauses while a track waits"
            )
    for track_name, track in spec.tracks.items():
        for name, stage in track.stages.items():
            yield from _pauses_of(spec, marks, track_name, name, stage)


def _establishes(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    """Only a track's stage establishes a guard's fact, and only a guard Redress knows."""
    for name, stage in spec.stages.items():
        if stage.establishes:
            yield marks.at(
                ("stages", name, "establishes"),
                "only a stage of a track can establish a guard: a main stage is answered by its actions' fields",
            )
    for track_name, track in spec.tracks.items():
        for name, stage in track.stages.items():
            for i, guard in enumerate(stage.establishes):
                if guard not in GUARDS:
                    yield marks.at(("tracks", track_name, "stages", name, "establishes", i), unknown("guard", guard, GUARDS))


def _pauses_of(spec: Workflow, marks: Marks, track: str, name: str, stage: Stage) -> Iterator[Problem]:
    loc: Loc = ("tracks", track, "stages", name, "pauses")
    if stage.pauses and (stage.final or not stage.deadlines):
        yield marks.at(
            loc,
            f"stage '{name}' pauses other deadlines but has none of its own: "
            "give it a deadline, so a paused case cannot wait unnoticed",
        )
    known = [MAIN, *(t for t in spec.tracks if t != track)]
    for i, paused in enumerate(stage.pauses):
        if paused == track:
            yield marks.at((*loc, i), f"track '{track}' cannot pause itself: name '{MAIN}' or another track")
        elif paused not in known:
            yield marks.at((*loc, i), unknown("procedure to pause", paused, known) + f": name '{MAIN}' or a track")


def _faster(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    """A faster deadline names a known category, replaces a deadline of its stage, of the same kind, and is sooner."""
    for at, proc in procedures(spec):
        for name, stage in proc.stages.items():
            yield from _faster_of(spec, marks, (*at, "stages", name, "faster_for"), name, stage)


def _faster_of(spec: Workflow, marks: Marks, loc: Loc, name: str, stage: Stage) -> Iterator[Problem]:
    usual = {deadline.name: deadline for deadline in stage.deadlines}
    for category, deadlines in stage.faster_for.items():
        if category not in spec.categories:
            yield marks.at((*loc, category), unknown("category", category, spec.categories), key=True)
        for i, deadline in enumerate(deadlines):
            base = usual.get(deadline.name)
            if base is None:
                yield marks.at(
                    (*loc, category, i, "name"),
                    unknown("deadline", deadline.name, usual)
                    + f": 'faster_for' replaces a deadline of stage '{name}' by its name",
                )
            elif base.kind != deadline.kind:
                yield marks.at(
                    (*loc, category, i, "name"),
                    f"'{deadline.name}' is a {base.kind} in stage '{name}': its faster version must be one too",
                )
            elif deadline.after.nominal_hours >= base.after.nominal_hours:
                yield marks.at(
                    (*loc, category, i, "after"),
                    f"'{deadline.name}' for '{category}' falls due after {deadline.after}, no sooner than the usual {base.after}",
                )


def _action_names(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    """An action's name says which procedure it moves: no name is used by two of them."""
    owner: dict[str, str] = {}
    for at, proc in procedures(spec):
        here = f"track '{at[1]}'" if at else "the main procedure"
        for name in proc.actions:
            if name in owner:
                yield marks.at(
                    (*at, "actions", name), f"action '{name}' is also an action of {owner[name]}: give it another name", key=True
                )
            owner.setdefault(name, here)
