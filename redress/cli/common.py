"""What the command modules share: opening the app once per command, and printing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from engine.context import Redress, open_app
from engine.queries.present import as_json
from engine.settings import load_settings

as_option = click.option("--as", "actor", required=True, metavar="EMAIL", help="Who is acting (their email in Redress).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print stable JSON (see the README) instead of text.")


@contextmanager
def app_context(*, create: bool = False, warm: bool = False) -> Iterator[Redress]:
    """The wired app for one command; `--now` (worker) is applied by the command that takes it.

    Only `init` passes `create`: every other command refuses, creating nothing, when there is no
    Redress database. A database failure is worded here, where the URL (password masked) is known.
    Only the long-running worker passes `warm` (every workflow version parsed, its machines built, at
    start): a one-shot command parses the version it reads when it reads it (`case show` stays quick).
    """
    settings = load_settings()
    try:
        app = open_app(settings, existing=not create)
        if warm:
            app.warm()
    except Exception as exc:
        _reword_database_error(exc, settings.database_url)
        raise
    try:
        yield app
    except Exception as exc:
        _reword_database_error(exc, settings.database_url)
        raise
    finally:
        app.close()


def _reword_database_error(exc: Exception, url: str) -> None:
    from redress.cli.failures import explain, is_database_error

    if is_database_error(exc):
        raise click.ClickException(explain(exc, url)) from exc


def plain(text: str) -> str:
    """Stored text fit for a terminal: a control character (an ANSI escape, a bell, a bidi override) is shown as
    its escape (`\\x1b`), never sent; line breaks and tabs are kept."""
    return "".join(ch if ch.isprintable() or ch in "\n\t" else ch.encode("unicode_escape").decode("ascii") for ch in text)


def echo(message: object = "", **kwargs: Any) -> None:
    """click.echo of text that may hold what people typed, through `plain`."""
    click.echo(plain(str(message)), **kwargs)


def print_json(value: Any) -> None:
    """Print a view (or plain data) as the API shows it: the engine's one JSON presenter."""
    click.echo(json.dumps(as_json(value), indent=2, ensure_ascii=False, sort_keys=False))
