"""The lazy command registry says what each command's own docstring says, and --help imports none of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_the_program_pauses_the_collector_while_starting_and_resumes_it_for_the_command():
    """`redress` (redress.program.run) starts with the collector paused; once the command is found it freezes what
    start-up made and collects again for the command's own work; it exits with main's code, its objects frozen."""
    probe = (
        "import gc, sys\n"
        "from redress.cli.root import COMMANDS, cli\n"
        "from redress.cli.lazy import Lazy\n"
        "import click\n"
        "@click.command()\n"
        "def probe():\n"
        "    print(gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr)\n"
        "cli.lazy_commands['probe'] = Lazy('__main__:probe', 'A probe.')\n"
        "from redress import program\n"
        "for argv in (['probe'], ['case', 'show', 'x', '--as', 'a@b.example']):\n"
        "    sys.argv = ['redress', *argv]\n"
        "    try:\n        program.run()\n        print('exit 0', file=sys.stderr)\n"
        "    except SystemExit as exc:\n        print('exit', exc.code, file=sys.stderr)\n"
        "    gc.enable(); gc.unfreeze()\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    lines = done.stderr.splitlines()
    assert lines[0] == "True True", done.stderr  # the command runs with the collector on, start-up frozen
    assert lines[1] == "exit 0" and lines[2].startswith("redress: ") and lines[3] == "exit 2" and len(lines) == 4


def test_main_alone_leaves_the_collector_as_it_was():
    """Tests call `main` in their own process: it neither pauses nor freezes their collector."""
    probe = (
        "import gc, sys\n"
        "from redress.cli import main\n"
        "try:\n    main(['case', 'show', 'x', '--as', 'a@b.example'])\nexcept SystemExit:\n    pass\n"
        "print(gc.isenabled(), gc.get_freeze_count(), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stderr.splitlines()[-1] == "True 0"


def test_case_show_on_a_database_sets_up_no_orm_mapper_and_loads_no_yaml_templates_or_machines(tmp_path: Path) -> None:
    """`case show --json` reads through Core on the tables (engine.queries.case_rows): the ORM's mappers stay
    unconfigured; the spec comes from its cache, so neither PyYAML nor the workflow checks nor `transitions` load;
    nothing renders (no Jinja), no secret is opened (no cryptography), and none of the other pages' views or
    queries is imported. What it prints is the case."""
    root = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REDRESS_")},
        "REDRESS_DATABASE_URL": f"sqlite:///{tmp_path / 'redress.db'}",
        "REDRESS_WORKFLOW": str(root / "workflows.yaml"),
        "REDRESS_DATA_DIR": str(tmp_path / "data"),
    }
    head = "head@school.example"
    for args in (
        ["init"],
        ["people", "add", "--name", "Helen Head", "--email", head, "--role", "headteacher"],
        ["case", "open", "--category", "threat_of_violence", "--summary", "A threat", "--as", head],
        ["case", "show", "1", "--as", head, "--json"],  # the first read keeps the spec in its cache
    ):
        subprocess.run([sys.executable, "-m", "redress", *args], check=True, capture_output=True, env=env, cwd=tmp_path)
    probe = (
        "import io, contextlib, sys\n"
        "from redress.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    main(['case', 'show', '1', '--as', '{head}', '--json'])\n"
        "from store import Base\n"
        "configured = sorted(m.class_.__name__ for m in Base.registry.mappers if m.configured)\n"
        "heavy = ('yaml', 'transitions', 'jinja2', 'cryptography', 'workflows.reader', 'workflows.checks', "
        "'notifications.render', 'engine.queries.page_views', 'engine.queries.overview', 'engine.queries.chronology')\n"
        "print(' '.join(configured), '|', ' '.join(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
        "print(out.getvalue())\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    assert done.stderr.strip() == "|", done.stderr
    shown = json.loads(done.stdout)
    assert (shown["id"], shown["summary"], shown["opened_by"]) == (1, "A threat", head)
    assert [t["name"] for t in shown["tracks"]] == ["police"] and shown["actions"]
