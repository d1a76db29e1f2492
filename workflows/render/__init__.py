"""Draw a spec: a readable text list, a Mermaid state diagram, a Graphviz digraph, an SVG drawing.

One neutral graph (`model.graph`) and one small renderer per format over it, after
python-statemachine's contrib/diagram renderers; `model` says how an action from "*" is drawn.
"""

from __future__ import annotations

from collections.abc import Callable

from ..spec import Workflow
from .dot import dot
from .mermaid import mermaid
from .model import ANY, Edge, Graph, Node, graph
from .svg import document, workflow_svg
from .text import text

# `text`, `mermaid` and `dot` name the functions callers use (render.text(spec)); their modules stay
# importable by full path. `svg` stays the module: its functions are `workflow_svg` and `document`.
__all__ = ["ANY", "RENDERERS", "Edge", "Graph", "Node", "dot", "graph", "mermaid", "text", "workflow_svg"]

RENDERERS: dict[str, Callable[[Workflow], str]] = {"text": text, "mermaid": mermaid, "dot": dot, "svg": document}
"""`redress workflow show --format NAME`."""
