"""The lazy command registry says what each command's own docstring says, and --help imports none of them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from redress.cli.lazy import load
from redress.cli.root import CASE_COMMANDS, COMMANDS


@pytest.mark.parametrize("name,lazy", [*COMMANDS.items(), *CASE_COMMANDS.items()])
def test_registered_help_is_the_commands_first_sentence(name, lazy):
    command = load(lazy.target)
    assert (command.help or "").split("\n\n")[0].split() == lazy.short_help.split(), name


def test_help_and_case_show_import_neither_alembic_nor_the_mail_client():
    probe = (
        "import sys; from redress.cli.root import cli; from redress.cli.lazy import load; "
        "import click; cli.get_command(click.Context(cli), 'case'); "
        "print(' '.join(m for m in ('alembic', 'aiosmtplib', 'icalendar', 'holidays', 'fastapi') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_case_show_imports_no_write_side():
    """`case show` reads: the case commands' module and the read side load, the action path (the write side's
    cases, records and the integrity replay behind `case audit --verify`) does not."""
    probe = (
        "import sys; from redress.cli.root import cli; import click; "
        "case = cli.get_command(click.Context(cli), 'case'); assert case.get_command(click.Context(case), 'show'); "
        "import engine.queries.reading; "
        "print(' '.join(m for m in ('engine.commands.cases', 'engine.commands.records', 'engine.commands.owners', "
        "'engine.commands.integrity', 'engine.commands.notify') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_the_program_exits_with_mains_code_its_objects_frozen_and_main_alone_freezes_nothing():
    """`redress` (redress.cli.run) freezes the collector's objects as it exits, which spares CPython's passes over
    them at shutdown; the exit code and the one-line refusal are main's. `main` alone (as tests call it) does not."""
    probe = (
        "import gc, sys\n"
        "from redress.cli import main, run\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(gc.get_freeze_count(), file=sys.stderr)\n"
        "sys.argv = ['redress', 'case', 'show', 'x', '--as', 'a@b.example']\n"
        "try:\n    run()\nexcept SystemExit as exc:\n    print(exc.code, gc.get_freeze_count() > 0, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    lines = done.stderr.splitlines()
    assert lines[0] == "0" and lines[-1] == "2 True"
    assert lines[1].startswith("redress: ") and len(lines) == 3
