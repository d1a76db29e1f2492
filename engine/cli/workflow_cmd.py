"""`redress workflow check|show`: validate and draw the school's procedure."""

from __future__ import annotations

import os
from pathlib import Path

import click

import workflows
from workflows import render


def default_workflow_path() -> Path:
    return Path(os.environ.get("REDRESS_WORKFLOW", "workflows.yaml"))


def _path(file: str | None) -> Path:
    return Path(file) if file else default_workflow_path()


@click.group()
def workflow() -> None:
    """Check and draw the procedure in workflows.yaml."""


@workflow.command()
@click.argument("file", required=False)
def check(file: str | None) -> None:
    """Validate FILE (default: ./workflows.yaml); print every problem as FILE:LINE:COL."""
    path = _path(file)
    spec = workflows.load(path).spec
    click.echo(
        f"{path}: ok: '{spec.name}', {len(spec.stages)} stages, {len(spec.actions)} actions, "
        f"{sum(len(s.deadlines) for s in spec.stages.values())} deadlines, {len(spec.categories)} categories "
        f"(version {spec.content_hash[:12]})"
    )


@workflow.command()
@click.argument("file", required=False)
@click.option(
    "--format", "format_", type=click.Choice(list(render.RENDERERS)), default="text", show_default=True,
    help="text: a readable list; mermaid: a stateDiagram-v2 for Markdown; dot: a Graphviz digraph.",
)
def show(file: str | None, format_: str) -> None:
    """Draw FILE (default: ./workflows.yaml): its stages, actions, deadlines and who may act."""
    spec = workflows.load(_path(file)).spec
    click.echo(render.RENDERERS[format_](spec), nl=False)
