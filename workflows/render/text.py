"""The procedure as a list a person can read: stages in order, what waits there, what can be done."""

from __future__ import annotations

from ..spec import ANY_OPEN_STAGE, Action, ActionField, Deadline, FieldType, Track, Workflow
from .model import Graph, graph


def _deadline_text(deadline: Deadline) -> str:
    if deadline.escalate:
        return f"{deadline.name}: after {deadline.after}, the system takes '{deadline.escalate}'"
    again = f", then every {deadline.repeat}" if deadline.repeat else ""
    return f"{deadline.name}: after {deadline.after}, remind {', '.join(deadline.remind)}{again}"


def _field_text(name: str, field: ActionField) -> str:
    kind = f"choice of {' | '.join(field.choices)}" if field.type is FieldType.CHOICE else field.type.value
    return f"{name} ({kind}{'' if field.required else ', optional'})"


def _action_text(name: str, action: Action) -> list[str]:
    lines = [f"    {name} -> {action.to}: {action.title}", f"      by: {', '.join(action.roles)}"]
    if action.fields:
        lines.append(f"      fields: {', '.join(_field_text(n, f) for n, f in action.fields.items())}")
    if action.guards:
        lines.append(f"      guards: {', '.join(action.guards)}")
    if action.outcome:
        lines.append(f"      outcome: {action.outcome}")
    return lines


def text(spec: Workflow) -> str:
    """Each stage with its marks and deadlines, then every action that can be taken from it ('*' spelt out);
    then each track the same way, under a heading saying how it starts."""
    drawn = graph(spec)
    lines = [f"{spec.name} (version {spec.content_hash[:12]})", f"Opened by: {', '.join(spec.open.roles)}"]
    lines += _procedure(spec, drawn)
    for track in drawn.tracks:
        lines += ["", f"Track: {track.title} ({track.name})", *_started_by(spec, track.name)]
        lines += _procedure(spec.tracks[track.name], track.graph)
    return "\n".join(lines) + "\n"


def _procedure(spec: Workflow | Track, drawn: Graph) -> list[str]:
    lines: list[str] = []
    for node in drawn.stages:
        stage = spec.stages[node.name]
        mark = f" [{node.kind}]" if node.kind in ("initial", "final") else ""
        lines += ["", f"{node.name}: {node.title}{mark}"]
        lines += [f"  deadline {_deadline_text(d)}" for d in stage.deadlines]
        lines += [f"  for {category}: deadline {_deadline_text(d)}" for category, ds in stage.faster_for.items() for d in ds]
        if stage.pauses:
            lines.append(f"  while here, pauses: {', '.join(stage.pauses)}")
        for edge in drawn.edges_from(node.name):
            lines += _action_text(edge.action, spec.actions[edge.action])
    return lines


def _started_by(spec: Workflow, name: str) -> list[str]:
    track = spec.tracks[name]
    lines = []
    if (start := track.start) is not None:
        where = "any open stage" if start.from_ == ANY_OPEN_STAGE else ", ".join(start.from_)
        lines.append(f"  started by: '{start.title}' from {where}, by {', '.join(start.roles)}")
    lines += [f"  started by: action {a}" for a, action in spec.actions.items() if action.starts_track == name]
    lines += [f"  started by: a case in category {c}" for c, cat in spec.categories.items() if name in cat.starts_tracks]
    return lines
