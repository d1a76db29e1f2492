"""What the checks of the main procedure and of its tracks share: walking the procedures, and the
references every action makes (stages, roles, guards, notifications)."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from .errors import Problem, did_you_mean
from .guards import GUARDS
from .reader import Marks
from .spec import ANY_OPEN_STAGE, Deadline, Notification, Stage, Track, Workflow

SYSTEM = "system"
Loc = tuple[str | int, ...]
Procedure = Workflow | Track
"""The main procedure or a track: both have stages and actions between them."""


def unknown(kind: str, name: str, known: Collection[str]) -> str:
    return f"unknown {kind} '{name}'{did_you_mean(name, known)}"


def procedures(spec: Workflow) -> Iterator[tuple[Loc, Procedure]]:
    """The main procedure, then each track, with where it stands in the file."""
    yield (), spec
    for name, track in spec.tracks.items():
        yield ("tracks", name), track


def stage_deadlines(loc: Loc, stage: Stage) -> Iterator[tuple[Loc, Deadline]]:
    """Every deadline of a stage, its faster versions included, with where each stands."""
    for i, deadline in enumerate(stage.deadlines):
        yield (*loc, "deadlines", i), deadline
    for category, deadlines in stage.faster_for.items():
        for i, deadline in enumerate(deadlines):
            yield (*loc, "faster_for", category, i), deadline


def people(spec: Workflow) -> set[str]:
    return set(spec.roles) | set(spec.relations)


def notification_refs(
    spec: Workflow, marks: Marks, notes: tuple[Notification, ...], loc: tuple[str | int, ...]
) -> Iterator[Problem]:
    for i, note in enumerate(notes):
        for j, who in enumerate(note.to):
            if who not in people(spec):
                yield marks.at((*loc, i, "to", j), unknown("role or relation", who, people(spec)))
        for j, cat in enumerate(note.if_category):
            if cat not in spec.categories:
                yield marks.at((*loc, i, "if_category", j), unknown("category", cat, spec.categories))


def stage_refs(proc: Procedure, marks: Marks, sources: tuple[str, ...] | str, loc: Loc) -> Iterator[Problem]:
    """Each stage an action is taken from exists and is open."""
    for i, stage in enumerate(() if sources == ANY_OPEN_STAGE else sources):
        if stage not in proc.stages:
            yield marks.at((*loc, i), unknown("stage", stage, proc.stages))
        elif proc.stages[stage].final:
            yield marks.at((*loc, i), f"'{stage}' is a final stage: no action can be taken from it")


def doer_refs(
    spec: Workflow, marks: Marks, roles: tuple[str, ...], guards: tuple[str, ...], notify: tuple[Notification, ...], loc: Loc
) -> Iterator[Problem]:
    """Who takes an action, what it needs first and who is told all exist."""
    for i, role in enumerate(roles):
        if role not in people(spec):
            yield marks.at((*loc, "roles", i), unknown("role or relation", role, people(spec)))
    for i, guard in enumerate(guards):
        if guard not in GUARDS:
            yield marks.at((*loc, "guards", i), unknown("guard", guard, GUARDS))
    yield from notification_refs(spec, marks, notify, (*loc, "notify"))
