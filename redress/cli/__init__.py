"""The `redress` command line: thin commands that parse input, call the engine, print.

Every failure becomes one line on stderr: exit 1 when refused or when something outside
Redress failed (the database, a file), 2 for a usage mistake. The traceback is shown only
with `redress --debug ...` or REDRESS_DEBUG=1.
"""

from __future__ import annotations

import sys
import traceback
from typing import NoReturn

import click

from engine.errors import RedressError
from redress.cli.failures import debugging, explain, one_line
from redress.cli.root import cli
from workflows import InvalidDefinition


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = cli.main(args=args, prog_name="redress", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("redress: interrupted", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (click.ClickException, InvalidDefinition, RedressError) as exc:
        _refused(exc, debugging(args))
    except BrokenPipeError:
        sys.exit(0)
    except SystemExit:
        raise
    except Exception as exc:  # the one place that catches everything: a person sees one line, never a traceback
        _failed(exc, debugging(args))
    if isinstance(code, int) and code:
        sys.exit(code)


def _refused(exc: click.ClickException | InvalidDefinition | RedressError, debug: bool) -> NoReturn:
    if debug and exc.__cause__ is not None:  # a failure reworded on its way up: show where it began
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, click.UsageError):
        command = exc.ctx.command_path if exc.ctx else "redress"
        click.echo(f"redress: {one_line(exc.format_message())} (see '{command} --help')", err=True)
        sys.exit(2)
    if isinstance(exc, click.ClickException):
        click.echo(f"redress: {one_line(exc.format_message())}", err=True)
        sys.exit(exc.exit_code)
    if isinstance(exc, InvalidDefinition):
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        count = len(exc.problems)
        click.echo(f"redress: {count} problem(s) in the workflow: fix them and run 'redress workflow check'", err=True)
        sys.exit(1)
    click.echo(f"redress: {one_line(str(exc))}", err=True)
    sys.exit(1)


def _failed(exc: Exception, debug: bool) -> NoReturn:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    click.echo(f"redress: {explain(exc)}", err=True)
    sys.exit(1)


__all__ = ["cli", "main"]
