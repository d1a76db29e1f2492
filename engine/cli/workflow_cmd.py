"""`redress workflow check|show`: validate and draw the school's procedure."""

from __future__ import annotations

import os
from pathlib import Path

import click

import workflows


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
    loaded = workflows.load(path)
    spec = loaded.spec
    click.echo(
        f"{path}: ok: '{spec.name}', {len(spec.stages)} stages, {len(spec.actions)} actions, "
        f"{sum(len(s.deadlines) for s in spec.stages.values())} deadlines, {len(spec.categories)} categories "
        f"(version {spec.content_hash[:12]})"
    )
