"""What the command modules share: opening the app once per command, and printing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from engine.context import Redress, open_app
from engine.queries.present import as_json

as_option = click.option("--as", "actor", required=True, metavar="EMAIL", help="Who is acting (their email in Redress).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print stable JSON (see the README) instead of text.")


@contextmanager
def app_context() -> Iterator[Redress]:
    """The wired app for one command; `--now` (worker) is applied by the command that takes it."""
    app = open_app()
    app.warm()
    try:
        yield app
    finally:
        app.close()


def print_json(value: Any) -> None:
    """Print a view (or plain data) as the API shows it: the engine's one JSON presenter."""
    click.echo(json.dumps(as_json(value), indent=2, ensure_ascii=False, sort_keys=False))
