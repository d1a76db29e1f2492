"""A Graphviz digraph: `redress workflow show --format dot | dot -Tsvg > workflow.svg`."""

from __future__ import annotations

from ..spec import Workflow
from .model import graph


def quote(value: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, line breaks as \\n."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n") + '"'


def dot(spec: Workflow) -> str:
    """Graphviz lays out its own graph: '*' is spelt out, as for Mermaid."""
    drawn = graph(spec)
    lines = [
        f"digraph {quote(drawn.name)} {{",
        "    rankdir=LR;",
        "    node [shape=box, style=rounded];",
        '    __start__ [shape=point, width=0.2, label=""];',
        '    __end__ [shape=doublecircle, width=0.1, label="", style=filled, fillcolor=black];',
    ]
    for node in drawn.stages:
        border = ", peripheries=2" if node.kind == "final" else ""
        lines.append(f"    {quote(node.name)} [label={quote(node.title)}{border}];")
    lines += [f"    __start__ -> {quote(name)};" for name in drawn.initial]
    lines += [f"    {quote(edge.source)} -> {quote(edge.target)} [label={quote(edge.title or edge.action)}];"
              for edge in drawn.expanded]
    lines += [f"    {quote(name)} -> __end__;" for name in drawn.final]
    lines.append("}")
    return "\n".join(lines) + "\n"
