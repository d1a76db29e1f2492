"""The `redress` command line: thin commands that parse input, call the engine, print.

Errors become one line on stderr: exit 1 when refused, 2 for a usage mistake.
"""

from __future__ import annotations

import sys

import click

from engine.errors import RedressError
from redress.cli.root import cli
from workflows import InvalidDefinition


def main(argv: list[str] | None = None) -> None:
    try:
        code = cli.main(args=argv, prog_name="redress", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("redress: interrupted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "redress"
        click.echo(f"redress: {exc.format_message()} (see '{command} --help')", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"redress: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except InvalidDefinition as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        count = len(exc.problems)
        click.echo(f"redress: {count} problem(s) in the workflow: fix them and run 'redress workflow check'", err=True)
        sys.exit(1)
    except RedressError as exc:
        click.echo(f"redress: {exc}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        sys.exit(0)
    if isinstance(code, int) and code:
        sys.exit(code)


__all__ = ["cli", "main"]
