"""The procedure as a list a person can read: stages in order, what waits there, what can be done."""

from __future__ import annotations

from ..spec import Action, ActionField, Deadline, FieldType, Workflow
from .model import graph


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
    """Each stage with its marks and deadlines, then every action that can be taken from it ('*' spelt out)."""
    drawn = graph(spec)
    lines = [f"{spec.name} (version {spec.content_hash[:12]})", f"Opened by: {', '.join(spec.open.roles)}"]
    for node in drawn.stages:
        stage = spec.stages[node.name]
        mark = f" [{node.kind}]" if node.kind in ("initial", "final") else ""
        lines += ["", f"{node.name}: {node.title}{mark}"]
        lines += [f"  deadline {_deadline_text(d)}" for d in stage.deadlines]
        for edge in drawn.edges_from(node.name):
            lines += _action_text(edge.action, spec.actions[edge.action])
    return "\n".join(lines) + "\n"
