"""`redress evidence ...`: the evidence store, files kept by their SHA-256."""

from __future__ import annotations

import click

from engine.commands import evidence_store
from redress.cli.common import app_context, echo


@click.group()
def evidence() -> None:
    """The evidence store: files kept by their SHA-256."""


@evidence.command("sweep")
def sweep() -> None:
    """Remove files no evidence row names (left by a failed upload), once older than an hour; the worker does it daily."""
    with app_context() as app:
        removed = evidence_store.sweep(app)
    for path in removed:
        echo(f"removed {path}")
    echo(f"{len(removed)} file(s) removed")
