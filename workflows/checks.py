"""Static checks on a spec: the mistakes a type checker cannot see.

Each check yields Problems pointing at the line that is wrong. `check` runs them all,
so a school sees every mistake in one pass.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterator

from .errors import Problem
from .guards import RELATIONS
from .powers import POWERS
from .procedures import (
    SYSTEM,
    Loc,
    Procedure,
    doer_refs,
    people,
    procedures,
    stage_deadlines,
    stage_refs,
    unknown,
)
from .reader import Marks
from .spec import FieldType, Workflow
from .track_checks import track_checks

__all__ = ["SYSTEM", "check"]


def check(spec: Workflow, marks: Marks, templates: Collection[str] | None = None) -> list[Problem]:
    """Every problem in the spec; `templates`, when given, are the template names that exist."""
    problems: list[Problem] = []
    for rule in (_roles, _opening, _permissions, _reopen, track_checks):
        problems.extend(rule(spec, marks))
    for at, proc in procedures(spec):
        for each in (_stages, _references, _reachability, _ways_out, _deadlines, _ambiguity, _primaries, _records):
            problems.extend(each(spec, proc, marks, at))
    if templates is not None:
        problems.extend(_templates(spec, marks, templates))
    return sorted(set(problems))


_unknown = unknown


def _stages(spec: Workflow, proc: Procedure, marks: Marks, at: Loc) -> Iterator[Problem]:
    initial = [name for name, stage in proc.stages.items() if stage.initial]
    if not initial:
        yield marks.at((*at, "stages"), "no stage is marked 'initial: true': mark the one a new case starts in", key=True)
    for extra in initial[1:]:
        yield marks.at((*at, "stages", extra, "initial"), f"stage '{extra}' is a second initial stage: only one may be")
    for name, stage in proc.stages.items():
        if stage.initial and stage.final:
            yield marks.at((*at, "stages", name, "final"), f"stage '{name}' is both initial and final")
        if stage.final and stage.deadlines:
            yield marks.at((*at, "stages", name, "deadlines"), f"final stage '{name}' cannot have deadlines: nothing waits there")


def _roles(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    if SYSTEM not in spec.roles:
        yield marks.at(("roles",), f"the role '{SYSTEM}' is missing: automatic actions are taken by it", key=True)
    for name in spec.relations:
        if name in spec.roles:
            yield marks.at(("relations", name), f"'{name}' is both a role and a relation: rename one")
        elif name not in RELATIONS:  # who holds a relation is worked out by code: see workflows.guards.RELATIONS
            yield marks.at(
                ("relations", name), _unknown("relation", name, RELATIONS) + f": Redress knows {', '.join(RELATIONS)}", key=True
            )


def _opening(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    for i, role in enumerate(spec.open.roles):
        if role == SYSTEM:
            yield marks.at(("open", "roles", i), f"'{SYSTEM}' cannot open a case: it only takes automatic actions")
        elif role not in spec.roles:
            yield marks.at(("open", "roles", i), _unknown("role", role, set(spec.roles) - {SYSTEM}) + " (who may open a case)")


def _references(spec: Workflow, proc: Procedure, marks: Marks, at: Loc) -> Iterator[Problem]:
    for name in proc.actions:
        yield from _action_refs(spec, proc, marks, (*at, "actions", name))
    for name in proc.stages:
        yield from _stage_refs(spec, proc, marks, (*at, "stages", name))


def _stage_refs(spec: Workflow, proc: Procedure, marks: Marks, loc: Loc) -> Iterator[Problem]:
    stage = proc.stages[str(loc[-1])]
    for i, role in enumerate(stage.visible_to):
        if role not in spec.roles or role == SYSTEM:
            yield marks.at((*loc, "visible_to", i), _unknown("role", role, set(spec.roles) - {SYSTEM}))
    for where, deadline in stage_deadlines(loc, stage):
        for j, who in enumerate(deadline.remind):
            if who not in people(spec):
                yield marks.at((*where, "remind", j), _unknown("role or relation", who, people(spec)))


def _action_refs(spec: Workflow, proc: Procedure, marks: Marks, loc: Loc) -> Iterator[Problem]:
    action = proc.actions[str(loc[-1])]
    yield from stage_refs(proc, marks, action.from_, (*loc, "from"))
    if action.to not in proc.stages:
        yield marks.at((*loc, "to"), _unknown("stage", action.to, proc.stages))
    yield from doer_refs(spec, marks, action.roles, action.guards, action.notify, loc)


def _permissions(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    """Every power is known, given out, and given to roles."""
    for power, roles in spec.permissions.items():
        if power not in POWERS:  # what a power lets a person do is code: see workflows.powers.POWERS
            yield marks.at(("permissions", power), _unknown("power", power, POWERS), key=True)
        for i, role in enumerate(roles):
            if (message := _not_a_holder(spec, power, role)) is not None:
                yield marks.at(("permissions", power, i), message)
    missing = [power for power in POWERS if power not in spec.permissions]
    if ("permissions",) not in marks.keys:
        yield marks.at(
            (),
            "the 'permissions' block is missing: add 'permissions:' with a line "
            f"'POWER: [roles]' for each of {', '.join(missing)}",
        )
        return
    for power in missing:
        yield marks.at(
            ("permissions",),
            f"power '{power}' is not given to anyone: add '{power}: [roles]' "
            f"under 'permissions', naming who may {POWERS[power]} ([] for nobody)",
            key=True,
        )


def _not_a_holder(spec: Workflow, power: str, role: str) -> str | None:
    """Why `role` cannot hold a power, if it cannot: a relation is held case by case; the system is no person."""
    people = set(spec.roles) - {SYSTEM}
    if role in people:
        return None
    if role == SYSTEM:
        return f"'{SYSTEM}' is Redress itself: it holds no power"
    if role in spec.relations:
        return f"'{role}' is a relation, held case by case: give '{power}' to roles"
    return _unknown("role", role, people)


def _reachability(spec: Workflow, proc: Procedure, marks: Marks, at: Loc) -> Iterator[Problem]:
    initials = [name for name, stage in proc.stages.items() if stage.initial]
    if not initials:
        return
    seen = {initials[0]}
    queue = deque(seen)
    while queue:
        stage = queue.popleft()
        for action in proc.actions_from(stage):
            target = proc.actions[action].to
            if target in proc.stages and target not in seen:
                seen.add(target)
                queue.append(target)
    for name in proc.stages:
        if name not in seen:
            message = f"stage '{name}' cannot be reached from '{initials[0]}': add an action that leads to it"
            yield marks.at((*at, "stages", name), message, key=True)


def _ways_out(spec: Workflow, proc: Procedure, marks: Marks, at: Loc) -> Iterator[Problem]:
    for name in proc.open_stages:
        if not any(proc.actions[a].to != name for a in proc.actions_from(name)):
            yield marks.at(
                (*at, "stages", name), f"stage '{name}' has no way out: add an action from it, or mark it final", key=True
            )


def _deadlines(spec: Workflow, proc: Procedure, marks: Marks, at: Loc) -> Iterator[Problem]:
    for name, stage in proc.stages.items():
        if not stage.final and not stage.deadlines:
            yield marks.at((*at, "stages", name), f"stage '{name}' has no deadline: a case could wait there unnoticed", key=True)
        seen: set[str] = set()
        for i, deadline in enumerate(stage.deadlines):
            if deadline.name in seen:
                yield marks.at(
                    (*at, "stages", name, "deadlines", i, "name"), f"deadline '{deadline.name}' appears twice in stage '{name}'"
                )
            seen.add(deadline.name)
        for loc, deadline in stage_deadlines((*at, "stages", name), stage):
            if deadline.escalate is not None:
                yield from _escalation(proc, marks, name, deadline.escalate, (*loc, "escalate"))


def _escalation(proc: Procedure, marks: Marks, stage: str, action: str, loc: Loc) -> Iterator[Problem]:
    if action not in proc.actions:
        yield marks.at(loc, _unknown("action", action, proc.actions))
    elif stage not in proc.sources(action):
        yield marks.at(loc, f"'{action}' cannot be taken from stage '{stage}': add '{stage}' to its 'from'")
    elif SYSTEM not in proc.actions[action].roles:
        yield marks.at(loc, f"'{action}' cannot be taken by '{SYSTEM}': add '{SYSTEM}' to its roles")
    elif any(f.required and f.type is not FieldType.TEXT for f in proc.actions[action].fields.values()):
        # A required text field is the decision's reason: the system gives the deadline that passed.
        yield marks.at(loc, f"'{action}' has required fields, which the system cannot fill in")


def _ambiguity(spec: Workflow, proc: Procedure, marks: Marks, at: Loc) -> Iterator[Problem]:
    for stage in proc.stages:
        titles: dict[str, str] = {}
        shapes: dict[tuple[object, ...], str] = {}
        for name in proc.actions_from(stage):
            action = proc.actions[name]
            title = action.title.strip().lower()
            shape = (action.to, frozenset(action.roles), frozenset(action.guards), tuple(sorted(action.fields)))
            if title in titles:
                first = titles[title]
                message = f"'{name}' and '{first}' are both called '{action.title}' in stage '{stage}': give them distinct titles"
                yield marks.at((*at, "actions", name, "title"), message)
            elif shape in shapes:
                message = f"'{name}' and '{shapes[shape]}' do the same thing from stage '{stage}': merge them"
                yield marks.at((*at, "actions", name), message, key=True)
            titles.setdefault(title, name)
            shapes.setdefault(shape, name)


def _templates(spec: Workflow, marks: Marks, templates: Collection[str]) -> Iterator[Problem]:
    found: list[tuple[Loc, str]] = [(("open", "notify", i, "template"), note.template) for i, note in enumerate(spec.open.notify)]
    for name, track in spec.tracks.items():
        notes = track.start.notify if track.start is not None else ()
        found += [(("tracks", name, "start", "notify", i, "template"), note.template) for i, note in enumerate(notes)]
    for at, proc in procedures(spec):
        for name, action in proc.actions.items():
            found += [((*at, "actions", name, "notify", i, "template"), n.template) for i, n in enumerate(action.notify)]
        for name, stage in proc.stages.items():
            found += [((*loc, "template"), d.template) for loc, d in stage_deadlines((*at, "stages", name), stage) if d.remind]
    for loc, template in found:
        if template not in templates:
            yield marks.at(loc, _unknown("template", template, templates))


def _primaries(spec: Workflow, proc: Procedure, marks: Marks, at: Loc) -> Iterator[Problem]:
    """One main path: a stage offers at most one primary action (the case page leads with it)."""
    for stage in proc.stages:
        first: str | None = None
        for name in proc.actions_from(stage):
            if not proc.actions[name].primary:
                continue
            if first is None:
                first = name
            else:
                yield marks.at(
                    (*at, "actions", name, "primary"),
                    f"'{name}' and '{first}' are both primary from stage '{stage}': the next step is one action, "
                    "so mark only one of them 'primary: true'",
                )


def _records(spec: Workflow, proc: Procedure, marks: Marks, at: Loc) -> Iterator[Problem]:
    """An action's `record` names only its own fields; its `meeting` points at a date field (and a text one)."""
    for name, action in proc.actions.items():
        loc = (*at, "actions", name)
        try:
            action.record.format_map({field: "" for field in action.fields})
        except (KeyError, ValueError, IndexError) as exc:
            yield marks.at(
                (*loc, "record"),
                f"'record' of '{name}' names {exc}, which is not one of its fields "
                f"({', '.join(action.fields) or 'it has none'}): write {{field}} for an answer",
            )
        meeting = action.meeting
        if meeting is None:
            continue
        held = action.fields.get(meeting.held_on)
        if held is None or held.type is not FieldType.DATE or not held.required:
            yield marks.at((*loc, "meeting", "held_on"), f"'{meeting.held_on}' is not a required date field of '{name}'")
        if meeting.notes is not None and meeting.notes not in action.fields:
            yield marks.at((*loc, "meeting", "notes"), _unknown("field", meeting.notes, action.fields))


def _reopen(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    reopen = spec.reopen
    if reopen is None:
        return
    if reopen.to not in spec.stages:
        yield marks.at(("reopen", "to"), _unknown("stage", reopen.to, spec.open_stages))
    elif spec.is_final(reopen.to):
        yield marks.at(("reopen", "to"), f"'{reopen.to}' is a final stage: a case is reopened into an open stage")
    for i, role in enumerate(reopen.roles):
        if role == SYSTEM:
            yield marks.at(("reopen", "roles", i), f"'{SYSTEM}' cannot reopen a case: a person decides, with a reason")
        elif role not in spec.roles:
            yield marks.at(("reopen", "roles", i), _unknown("role", role, set(spec.roles) - {SYSTEM}))
