"""A click group whose commands are imported only when one is run (click's LazyGroup pattern).

Each command is registered by name with the module that holds it and its one-line help, so
`redress --help` lists every command without importing any of them, and `redress case show`
imports the case commands and what they need, not Alembic, the mail client or the web app.
`tests/unit/test_cli_lazy.py` holds each one-line help to the command's own docstring.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

import click


class Lazy(NamedTuple):
    target: str
    """`package.module:attribute`"""
    short_help: str
    """The first sentence of the command's help (click shortens it to fit)."""


class LazyGroup(click.Group):
    def __init__(self, *args: Any, lazy_commands: dict[str, Lazy] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            self.add_command(load(self.lazy_commands[cmd_name].target), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of --help, from the registry: nothing is imported to show it."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy_commands and name not in self.commands:
                limit = formatter.width - 6 - len(name)
                shortened = click.Command(name, help=self.lazy_commands[name].short_help).get_short_help_str(limit)
                rows.append((name, shortened))
            else:
                command = self.commands[name]
                if not command.hidden:
                    rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def load(target: str) -> click.Command:
    module_name, _, attribute = target.partition(":")
    command = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command
