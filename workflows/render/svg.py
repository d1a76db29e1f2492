"""The workflow drawn as SVG on the server: a simple layered layout of the model's edges, with no
script and nothing from the network.

Unlike Mermaid and DOT, an action from any open stage ('*') is drawn once, from one box that
stands for every open stage (the model's compact form), and the actions between the same two
stages share one arrow. Stages are put in layers by their longest path from the initial stage
(edges that go back are left out of the layering and drawn round the side), ordered within a
layer by the mean position of the stages that lead to them, and joined by curves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape
from textwrap import wrap

from markupsafe import Markup

from ..spec import Workflow
from .model import ANY, Graph, Node, graph

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN, LANE = 180, 48, 36, 64, 24, 12


@dataclass(frozen=True)
class Arrow:
    """One arrow per (source, target) pair, carrying the titles of every action along it."""

    source: str
    target: str
    titles: tuple[str, ...]


def arrows(drawn: Graph) -> list[Arrow]:
    titles: dict[tuple[str, str], list[str]] = defaultdict(list)
    for edge in drawn.edges:
        key = (edge.source, edge.target)
        if edge.title not in titles[key]:
            titles[key].append(edge.title)
    return [Arrow(s, t, tuple(names)) for (s, t), names in titles.items()]


def back_edges(nodes: list[str], starts: tuple[str, ...], edges: list[Arrow]) -> set[tuple[str, str]]:
    """Edges that close a cycle, found by a depth-first walk from the initial stages (then the rest)."""
    out: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        out[edge.source].append(edge.target)
    state: dict[str, int] = {}  # 1 on the path, 2 done
    back: set[tuple[str, str]] = set()

    def visit(node: str) -> None:
        state[node] = 1
        for nxt in out[node]:
            if state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                visit(nxt)
        state[node] = 2

    for node in [*starts, *nodes]:
        if node not in state:
            visit(node)
    return back


def layers(drawn: Graph, edges: list[Arrow]) -> dict[str, int]:
    """The layer of each box: the longest path to it from a box with nothing before it, back edges ignored."""
    nodes = [node.name for node in drawn.nodes]
    back = back_edges(nodes, drawn.initial, edges)
    forward = [e for e in edges if (e.source, e.target) not in back and e.source != e.target]
    layer = dict.fromkeys(nodes, 0)
    for _ in nodes:  # relax until nothing moves: at most one pass per box on a DAG
        changed = False
        for edge in forward:
            if layer[edge.target] < layer[edge.source] + 1:
                layer[edge.target], changed = layer[edge.source] + 1, True
        if not changed:
            break
    return layer


def positions(drawn: Graph, edges: list[Arrow]) -> dict[str, tuple[float, float]]:
    """The top-left corner of each box."""
    layer = layers(drawn, edges)
    rows: dict[int, list[str]] = defaultdict(list)
    for node in drawn.nodes:
        rows[layer[node.name]].append(node.name)
    width = max(len(row) for row in rows.values())
    slot: dict[str, float] = {}
    for depth in sorted(rows):
        row = rows[depth]
        parents = {n: [slot[e.source] for e in edges if e.target == n and e.source in slot] for n in row}
        row.sort(key=lambda n: (n == ANY, sum(parents[n]) / len(parents[n]) if parents[n] else 0.0))
        offset = (width - len(row)) / 2
        for index, name in enumerate(row):
            slot[name] = offset + index
    return {name: (MARGIN + slot[name] * (BOX_W + GAP_X), MARGIN + layer[name] * (BOX_H + GAP_Y)) for name in slot}


def _node(node: Node, x: float, y: float) -> str:
    name, title, kind = node.name, node.title, node.kind
    lines = wrap(title, 24)[:2] or [name]
    text_y = y + BOX_H / 2 - (len(lines) - 1) * 8 + 5
    spans = "".join(
        f'<tspan x="{x + BOX_W / 2:.0f}" dy="{0 if i == 0 else 16}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    inner = (
        f'<rect class="wf-inner" x="{x + 4:.0f}" y="{y + 4:.0f}" width="{BOX_W - 8}" height="{BOX_H - 8}" rx="6"/>'
        if kind == "final"
        else ""
    )
    start = (
        (
            f'<circle class="wf-start" cx="{x + BOX_W / 2:.0f}" cy="{y - 16:.0f}" r="6"/>'
            f'<line class="wf-edge" x1="{x + BOX_W / 2:.0f}" y1="{y - 10:.0f}" x2="{x + BOX_W / 2:.0f}" y2="{y - 2:.0f}" '
            'marker-end="url(#wf-arrow)"/>'
        )
        if kind == "initial"
        else ""
    )
    label = "any open stage" if name == ANY else name
    return (
        f'<g class="wf-node wf-{kind}"><title>{escape(title)} ({escape(label)})</title>'
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="8"/>{inner}'
        f'<text x="{x + BOX_W / 2:.0f}" y="{text_y:.0f}" text-anchor="middle">{spans}</text></g>{start}'
    )


def _path(a: tuple[float, float], b: tuple[float, float], index: int, lane_x: float | None) -> str:
    """From the bottom of box a to the top of box b. The next row down: a curve. Further, or back up:
    along a lane to the right of every box, its level parts inside the gaps between rows, so it never
    crosses a box."""
    (ax, ay), (bx, by) = a, b
    spread = ((index % 5) - 2) * 10
    x1, y1, x2, y2 = ax + BOX_W / 2 + spread, ay + BOX_H, bx + BOX_W / 2 + spread, by
    if lane_x is None:
        return f"M{x1:.0f},{y1:.0f} C{x1:.0f},{y1 + 30:.0f} {x2:.0f},{y2 - 30:.0f} {x2:.0f},{y2:.0f}"
    step = 10 + (index % 4) * 10
    return f"M{x1:.0f},{y1:.0f} V{y1 + step:.0f} H{lane_x:.0f} V{y2 - step:.0f} H{x2:.0f} V{y2:.0f}"


def _edges_svg(edges: list[Arrow], where: dict[str, tuple[float, float]], right: float) -> tuple[list[str], float]:
    paths, lanes = [], 0
    for index, edge in enumerate(edges):
        (_, ay), (_, by) = where[edge.source], where[edge.target]
        short = 0 < by - ay <= BOX_H + GAP_Y
        lane_x = None if short else right + LANE * (lanes + 1)
        lanes += 0 if short else 1
        paths.append(
            f'<path class="wf-edge" data-source="{escape(edge.source)}" data-target="{escape(edge.target)}" '
            f'd="{_path(where[edge.source], where[edge.target], index, lane_x)}" '
            f'marker-end="url(#wf-arrow)"><title>{escape("; ".join(edge.titles))}</title></path>'
        )
    return paths, right + LANE * (lanes + 1)


def document(spec: Workflow) -> str:
    """The whole diagram as a standalone SVG document (`redress workflow show --format svg`)."""
    return str(workflow_svg(spec)) + "\n"


def workflow_svg(spec: Workflow) -> Markup:
    """The whole diagram as one <svg> element, safe to place in a page."""
    drawn = graph(spec)
    edges = arrows(drawn)
    where = positions(drawn, edges)
    right = max(x for x, _ in where.values()) + BOX_W
    paths, right = _edges_svg(edges, where, right)
    width, height = right + MARGIN, max(y for _, y in where.values()) + BOX_H + MARGIN
    nodes = [_node(node, *where[node.name]) for node in drawn.nodes]
    # Tracks are listed under the drawing, one line each: their stages in order.
    for track in drawn.tracks:
        stages = " → ".join(node.title for node in track.graph.stages)
        nodes.append(
            f'<text class="wf-track" x="{MARGIN}" y="{height:.0f}">{escape(f"Alongside: {track.title}: {stages}")}</text>'
        )
        height += 20
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-labelledby="wf-title">'
        f'<title id="wf-title">{escape(drawn.name)}: stages and the actions between them</title>'
        '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="wf-arrowhead"/></marker></defs>'
        + "".join(paths)
        + "".join(nodes)
        + "</svg>"
    )
