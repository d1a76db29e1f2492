"""Draw a spec: a readable text list, a Mermaid state diagram, a Graphviz digraph.

One small function per format, after python-statemachine's contrib/diagram renderers.
Each edge is one action from one source stage; actions from "*" appear once per open stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .spec import Action, ActionField, Deadline, FieldType, Workflow


def edges(spec: Workflow) -> Iterator[tuple[str, str, str]]:
    """(source stage, action name, target stage) for every action from every stage it can be taken from."""
    for stage in spec.stages:
        for name in spec.actions_from(stage):
            yield stage, name, spec.actions[name].to


def _initial(spec: Workflow) -> list[str]:
    return [name for name, stage in spec.stages.items() if stage.initial]


# --- text -------------------------------------------------------------------------------------


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
    """The procedure as a list a person can read: stages in order, what waits there, what can be done."""
    lines = [f"{spec.name} (version {spec.content_hash[:12]})", f"Opened by: {', '.join(spec.open.roles)}"]
    for name, stage in spec.stages.items():
        marks = [word for word, on in (("initial", stage.initial), ("final", stage.final)) if on]
        lines += ["", f"{name}: {stage.title}" + (f" [{', '.join(marks)}]" if marks else "")]
        lines += [f"  deadline {_deadline_text(d)}" for d in stage.deadlines]
        for action_name in spec.actions_from(name):
            lines += _action_text(action_name, spec.actions[action_name])
    return "\n".join(lines) + "\n"


# --- mermaid ----------------------------------------------------------------------------------

_MERMAID_ENTITIES = {"#": "#35;", '"': "#quot;", ";": "#59;", "<": "#lt;", ">": "#gt;"}


def _mermaid_label(value: str) -> str:
    """One line, with the characters Mermaid would read as syntax written as its entity codes."""
    return "".join(_MERMAID_ENTITIES.get(char, char) for char in " ".join(value.split()))


def mermaid(spec: Workflow) -> str:
    """A Mermaid `stateDiagram-v2`: paste it into a Markdown file on GitHub or GitLab."""
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{_mermaid_label(stage.title)}" as {name}' for name, stage in spec.stages.items()]
    lines += [f"    [*] --> {name}" for name in _initial(spec)]
    for source, name, target in edges(spec):
        lines.append(f"    {source} --> {target} : {_mermaid_label(spec.actions[name].title or name)}")
    lines += [f"    {name} --> [*]" for name, stage in spec.stages.items() if stage.final]
    return "\n".join(lines) + "\n"


# --- dot --------------------------------------------------------------------------------------


def _dot_quote(value: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, line breaks as \\n."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n") + '"'


def dot(spec: Workflow) -> str:
    """A Graphviz digraph: `redress workflow show --format dot | dot -Tsvg > workflow.svg`."""
    lines = [
        f"digraph {_dot_quote(spec.name)} {{",
        "    rankdir=LR;",
        "    node [shape=box, style=rounded];",
        '    __start__ [shape=point, width=0.2, label=""];',
        '    __end__ [shape=doublecircle, width=0.1, label="", style=filled, fillcolor=black];',
    ]
    for name, stage in spec.stages.items():
        border = ", peripheries=2" if stage.final else ""
        lines.append(f"    {_dot_quote(name)} [label={_dot_quote(stage.title)}{border}];")
    lines += [f'    __start__ -> {_dot_quote(name)};' for name in _initial(spec)]
    for source, name, target in edges(spec):
        label = _dot_quote(spec.actions[name].title or name)
        lines.append(f"    {_dot_quote(source)} -> {_dot_quote(target)} [label={label}];")
    lines += [f'    {_dot_quote(name)} -> __end__;' for name, stage in spec.stages.items() if stage.final]
    lines.append("}")
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[Workflow], str]] = {"text": text, "mermaid": mermaid, "dot": dot}
