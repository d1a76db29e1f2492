"""A Mermaid `stateDiagram-v2`: paste it into a Markdown file on GitHub or GitLab."""

from __future__ import annotations

from ..spec import Workflow
from .model import graph

_ENTITIES = {"#": "#35;", '"': "#quot;", ";": "#59;", "<": "#lt;", ">": "#gt;"}


def label(value: str) -> str:
    """One line, with the characters Mermaid would read as syntax written as its entity codes."""
    return "".join(_ENTITIES.get(char, char) for char in " ".join(value.split()))


def mermaid(spec: Workflow) -> str:
    """Mermaid lays out its own graph and has no 'any stage' state: '*' is spelt out."""
    drawn = graph(spec)
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{label(node.title)}" as {node.name}' for node in drawn.stages]
    lines += [f"    [*] --> {name}" for name in drawn.initial]
    lines += [f"    {edge.source} --> {edge.target} : {label(edge.title or edge.action)}" for edge in drawn.expanded]
    lines += [f"    {name} --> [*]" for name in drawn.final]
    return "\n".join(lines) + "\n"
