"""The one graph every drawing is made from: stages as nodes, actions as edges.

Renderers never walk the spec's actions themselves, so they cannot disagree on what the
edges are. An action from "*" (any open stage) is kept twice over, by one rule:

- `Graph.edges` draws it once, from the ANY node ("Any open stage"): the compact form,
  used where a picture would otherwise be a thicket of arrows (the SVG);
- `Graph.expanded` spells it out as one edge from every open stage but the one it leads
  to (`Workflow.sources`, the rule the engine applies when someone takes the action):
  the form for lists and for tools that lay out their own graph (text, Mermaid, DOT).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..spec import ANY_OPEN_STAGE, Track, Workflow

ANY = ANY_OPEN_STAGE
ANY_TITLE = "Any open stage"

Kind = Literal["initial", "stage", "final", "any"]


@dataclass(frozen=True)
class Node:
    name: str
    title: str
    kind: Kind


@dataclass(frozen=True)
class Edge:
    """One action from one source (a stage, or ANY) to its target stage."""

    source: str
    target: str
    action: str
    title: str


@dataclass(frozen=True)
class TrackGraph:
    """A track, drawn beside the main procedure: its own stages and actions, as a graph of its own."""

    name: str
    title: str
    graph: Graph


@dataclass(frozen=True)
class Graph:
    name: str
    nodes: tuple[Node, ...]
    """Every stage in the file's order, then the ANY node when some action is from '*'."""
    edges: tuple[Edge, ...]
    """As declared: an action from '*' is one edge from ANY; in the file's order of actions."""
    expanded: tuple[Edge, ...]
    """Every (stage, action) the action can be taken from, '*' spelt out; ordered by stage, then action."""
    tracks: tuple[TrackGraph, ...] = ()
    """The tracks that run alongside, in the file's order (a track's own graph has none)."""

    @property
    def stages(self) -> tuple[Node, ...]:
        return tuple(node for node in self.nodes if node.kind != "any")

    @property
    def initial(self) -> tuple[str, ...]:
        return tuple(node.name for node in self.nodes if node.kind == "initial")

    @property
    def final(self) -> tuple[str, ...]:
        return tuple(node.name for node in self.nodes if node.kind == "final")

    def sources(self, edge: Edge) -> tuple[str, ...]:
        """The stages an edge stands for: its own source, or for an edge from ANY every stage its action
        can be taken from (read off `expanded`, so the rule is applied once)."""
        if edge.source != ANY:
            return (edge.source,)
        return tuple(e.source for e in self.expanded if e.action == edge.action)

    def edges_from(self, stage: str) -> tuple[Edge, ...]:
        """The actions that can be taken from `stage`, '*' spelt out."""
        return tuple(edge for edge in self.expanded if edge.source == stage)


def _kind(spec: Workflow | Track, name: str) -> Kind:
    stage = spec.stages[name]
    return "final" if stage.final else "initial" if stage.initial else "stage"


def graph(spec: Workflow) -> Graph:
    """The main procedure's graph, with a graph for each of its tracks."""
    tracks = tuple(TrackGraph(name, track.title, _procedure(track.title, track)) for name, track in spec.tracks.items())
    main = _procedure(spec.name, spec)
    return Graph(main.name, main.nodes, main.edges, main.expanded, tracks)


def _procedure(title: str, spec: Workflow | Track) -> Graph:
    nodes = [Node(name, stage.title, _kind(spec, name)) for name, stage in spec.stages.items()]
    edges: list[Edge] = []
    for name, action in spec.actions.items():
        sources = (ANY,) if action.from_ == ANY else action.from_
        edges += [Edge(source, action.to, name, action.title) for source in sources]
    if any(edge.source == ANY for edge in edges):
        nodes.append(Node(ANY, ANY_TITLE, "any"))
    expanded = tuple(
        Edge(stage, spec.actions[name].to, name, spec.actions[name].title)
        for stage in spec.stages
        for name in spec.actions_from(stage)
    )
    return Graph(title, tuple(nodes), tuple(edges), expanded)
