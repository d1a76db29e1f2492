"""Static checks on a spec: the mistakes a type checker cannot see.

Each check yields Problems pointing at the line that is wrong. `check` runs them all,
so a school sees every mistake in one pass.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterator

from .errors import Problem
from .guards import GUARDS, RELATIONS
from .powers import POWERS
from .reader import Marks, did_you_mean
from .spec import ANY_OPEN_STAGE, Notification, Workflow

SYSTEM = "system"


def check(spec: Workflow, marks: Marks, templates: Collection[str] | None = None) -> list[Problem]:
    """Every problem in the spec; `templates`, when given, are the template names that exist."""
    problems: list[Problem] = []
    for rule in (_stages, _references, _permissions, _reachability, _ways_out, _deadlines, _ambiguity):
        problems.extend(rule(spec, marks))
    if templates is not None:
        problems.extend(_templates(spec, marks, templates))
    return sorted(set(problems))


def _unknown(kind: str, name: str, known: Collection[str]) -> str:
    return f"unknown {kind} '{name}'{did_you_mean(name, known)}"


def _stages(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    initial = [name for name, stage in spec.stages.items() if stage.initial]
    if not initial:
        yield marks.at(("stages",), "no stage is marked 'initial: true': mark the one a new case starts in", key=True)
    for extra in initial[1:]:
        yield marks.at(("stages", extra, "initial"), f"stage '{extra}' is a second initial stage: only one may be")
    for name, stage in spec.stages.items():
        if stage.initial and stage.final:
            yield marks.at(("stages", name, "final"), f"stage '{name}' is both initial and final")
        if stage.final and stage.deadlines:
            yield marks.at(("stages", name, "deadlines"), f"final stage '{name}' cannot have deadlines: nothing waits there")
    if SYSTEM not in spec.roles:
        yield marks.at(("roles",), f"the role '{SYSTEM}' is missing: automatic actions are taken by it", key=True)
    for name in spec.relations:
        if name in spec.roles:
            yield marks.at(("relations", name), f"'{name}' is both a role and a relation: rename one")
        elif name not in RELATIONS:  # who holds a relation is worked out by code: see workflows.guards.RELATIONS
            yield marks.at(("relations", name), _unknown("relation", name, RELATIONS) + f": Redress knows {', '.join(RELATIONS)}", key=True)


def _people(spec: Workflow) -> set[str]:
    return set(spec.roles) | set(spec.relations)


def _notification_refs(spec: Workflow, marks: Marks, notes: tuple[Notification, ...], loc: tuple[str | int, ...]) -> Iterator[Problem]:
    for i, note in enumerate(notes):
        for j, who in enumerate(note.to):
            if who not in _people(spec):
                yield marks.at((*loc, i, "to", j), _unknown("role or relation", who, _people(spec)))
        for j, cat in enumerate(note.if_category):
            if cat not in spec.categories:
                yield marks.at((*loc, i, "if_category", j), _unknown("category", cat, spec.categories))


def _references(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    for i, role in enumerate(spec.open.roles):
        if role == SYSTEM:
            yield marks.at(("open", "roles", i), f"'{SYSTEM}' cannot open a case: it only takes automatic actions")
        elif role not in spec.roles:
            yield marks.at(("open", "roles", i), _unknown("role", role, set(spec.roles) - {SYSTEM}) + " (who may open a case)")
    yield from _notification_refs(spec, marks, spec.open.notify, ("open", "notify"))
    for name in spec.actions:
        yield from _action_refs(spec, marks, name)
    for name in spec.stages:
        yield from _stage_refs(spec, marks, name)


def _stage_refs(spec: Workflow, marks: Marks, name: str) -> Iterator[Problem]:
    stage = spec.stages[name]
    for i, role in enumerate(stage.visible_to):
        if role not in spec.roles or role == SYSTEM:
            yield marks.at(("stages", name, "visible_to", i), _unknown("role", role, set(spec.roles) - {SYSTEM}))
    for i, deadline in enumerate(stage.deadlines):
        for j, who in enumerate(deadline.remind):
            if who not in _people(spec):
                loc = ("stages", name, "deadlines", i, "remind", j)
                yield marks.at(loc, _unknown("role or relation", who, _people(spec)))


def _action_refs(spec: Workflow, marks: Marks, name: str) -> Iterator[Problem]:
    action = spec.actions[name]
    loc = ("actions", name)
    for i, stage in enumerate(() if action.from_ == ANY_OPEN_STAGE else action.from_):
        if stage not in spec.stages:
            yield marks.at((*loc, "from", i), _unknown("stage", stage, spec.stages))
        elif spec.stages[stage].final:
            yield marks.at((*loc, "from", i), f"'{stage}' is a final stage: no action can be taken from it")
    if action.to not in spec.stages:
        yield marks.at((*loc, "to"), _unknown("stage", action.to, spec.stages))
    for i, role in enumerate(action.roles):
        if role not in _people(spec):
            yield marks.at((*loc, "roles", i), _unknown("role or relation", role, _people(spec)))
    for i, guard in enumerate(action.guards):
        if guard not in GUARDS:
            yield marks.at((*loc, "guards", i), _unknown("guard", guard, GUARDS))
    yield from _notification_refs(spec, marks, action.notify, (*loc, "notify"))


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
        yield marks.at((), "the 'permissions' block is missing: add 'permissions:' with a line "
                           f"'POWER: [roles]' for each of {', '.join(missing)}")
        return
    for power in missing:
        yield marks.at(("permissions",), f"power '{power}' is not given to anyone: add '{power}: [roles]' "
                                         f"under 'permissions', naming who may {POWERS[power]} ([] for nobody)", key=True)


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


def _reachability(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    initials = [name for name, stage in spec.stages.items() if stage.initial]
    if not initials:
        return
    seen = {initials[0]}
    queue = deque(seen)
    while queue:
        stage = queue.popleft()
        for action in spec.actions_from(stage):
            target = spec.actions[action].to
            if target in spec.stages and target not in seen:
                seen.add(target)
                queue.append(target)
    for name in spec.stages:
        if name not in seen:
            message = f"stage '{name}' cannot be reached from '{initials[0]}': add an action that leads to it"
            yield marks.at(("stages", name), message, key=True)


def _ways_out(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    for name in spec.open_stages:
        if not any(spec.actions[a].to != name for a in spec.actions_from(name)):
            yield marks.at(("stages", name), f"stage '{name}' has no way out: add an action from it, or mark it final", key=True)


def _deadlines(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    for name, stage in spec.stages.items():
        if not stage.final and not stage.deadlines:
            yield marks.at(("stages", name), f"stage '{name}' has no deadline: a case could wait there unnoticed", key=True)
        seen: set[str] = set()
        for i, deadline in enumerate(stage.deadlines):
            loc = ("stages", name, "deadlines", i)
            if deadline.name in seen:
                yield marks.at((*loc, "name"), f"deadline '{deadline.name}' appears twice in stage '{name}'")
            seen.add(deadline.name)
            action = deadline.escalate
            if action is None:
                continue
            if action not in spec.actions:
                yield marks.at((*loc, "escalate"), _unknown("action", action, spec.actions))
            elif name not in spec.sources(action):
                yield marks.at((*loc, "escalate"), f"'{action}' cannot be taken from stage '{name}': add '{name}' to its 'from'")
            elif SYSTEM not in spec.actions[action].roles:
                yield marks.at((*loc, "escalate"), f"'{action}' cannot be taken by '{SYSTEM}': add '{SYSTEM}' to its roles")
            elif any(f.required for f in spec.actions[action].fields.values()):
                yield marks.at((*loc, "escalate"), f"'{action}' has required fields, which the system cannot fill in")


def _ambiguity(spec: Workflow, marks: Marks) -> Iterator[Problem]:
    for stage in spec.stages:
        titles: dict[str, str] = {}
        shapes: dict[tuple[object, ...], str] = {}
        for name in spec.actions_from(stage):
            action = spec.actions[name]
            title = action.title.strip().lower()
            shape = (action.to, frozenset(action.roles), frozenset(action.guards), tuple(sorted(action.fields)))
            if title in titles:
                first = titles[title]
                message = f"'{name}' and '{first}' are both called '{action.title}' in stage '{stage}': give them distinct titles"
                yield marks.at(("actions", name, "title"), message)
            elif shape in shapes:
                message = f"'{name}' and '{shapes[shape]}' do the same thing from stage '{stage}': merge them"
                yield marks.at(("actions", name), message, key=True)
            titles.setdefault(title, name)
            shapes.setdefault(shape, name)


def _templates(spec: Workflow, marks: Marks, templates: Collection[str]) -> Iterator[Problem]:
    def missing(template: str, loc: tuple[str | int, ...]) -> Iterator[Problem]:
        if template not in templates:
            yield marks.at(loc, _unknown("template", template, templates))

    for i, note in enumerate(spec.open.notify):
        yield from missing(note.template, ("open", "notify", i, "template"))
    for name, action in spec.actions.items():
        for i, note in enumerate(action.notify):
            yield from missing(note.template, ("actions", name, "notify", i, "template"))
    for name, stage in spec.stages.items():
        for i, deadline in enumerate(stage.deadlines):
            if deadline.remind:
                yield from missing(deadline.template, ("stages", name, "deadlines", i, "template"))
