"""A Graphviz digraph: `redress workflow show --format dot | dot -Tsvg > workflow.svg`."""

from __future__ import annotations

from ..spec import Workflow
from .model import Graph, graph


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
    lines += _nodes(drawn, "", "    ")
    lines += [f"    __start__ -> {quote(name)};" for name in drawn.initial]
    lines += _edges(drawn, "", "    ")
    lines += [f"    {quote(name)} -> __end__;" for name in drawn.final]
    for track in drawn.tracks:
        # A cluster per track: Graphviz draws it boxed and titled beside the main procedure.
        lines += [f"    subgraph {quote('cluster_' + track.name)} {{", f"        label={quote(track.title)};"]
        lines += _nodes(track.graph, f"{track.name}__", "        ") + _edges(track.graph, f"{track.name}__", "        ")
        lines.append("    }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _nodes(drawn: Graph, prefix: str, indent: str) -> list[str]:
    return [
        f"{indent}{quote(prefix + node.name)} [label={quote(node.title)}{', peripheries=2' if node.kind == 'final' else ''}];"
        for node in drawn.stages
    ]


def _edges(drawn: Graph, prefix: str, indent: str) -> list[str]:
    return [
        f"{indent}{quote(prefix + edge.source)} -> {quote(prefix + edge.target)} [label={quote(edge.title or edge.action)}];"
        for edge in drawn.expanded
    ]
