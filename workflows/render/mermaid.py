"""A Mermaid `stateDiagram-v2`: paste it into a Markdown file on GitHub or GitLab."""

from __future__ import annotations

from ..spec import Workflow
from .model import Graph, graph

_ENTITIES = {"#": "#35;", '"': "#quot;", ";": "#59;", "<": "#lt;", ">": "#gt;"}


def label(value: str) -> str:
    """One line, with the characters Mermaid would read as syntax written as its entity codes."""
    return "".join(_ENTITIES.get(char, char) for char in " ".join(value.split()))


def mermaid(spec: Workflow) -> str:
    """Mermaid lays out its own graph and has no 'any stage' state: '*' is spelt out. Each track is a
    composite state of its own, its stages named `TRACK__STAGE` so they never clash with the main ones."""
    drawn = graph(spec)
    lines = ["stateDiagram-v2", *_body(drawn, "", "    ")]
    for track in drawn.tracks:
        lines.append(f'    state "{label(track.title)}" as track_{track.name} {{')
        lines += _body(track.graph, f"{track.name}__", "        ")
        lines.append("    }")
    return "\n".join(lines) + "\n"


def _body(drawn: Graph, prefix: str, indent: str) -> list[str]:
    lines = [f'{indent}state "{label(node.title)}" as {prefix}{node.name}' for node in drawn.stages]
    lines += [f"{indent}[*] --> {prefix}{name}" for name in drawn.initial]
    lines += [
        f"{indent}{prefix}{edge.source} --> {prefix}{edge.target} : {label(edge.title or edge.action)}" for edge in drawn.expanded
    ]
    lines += [f"{indent}{prefix}{name} --> [*]" for name in drawn.final]
    return lines
