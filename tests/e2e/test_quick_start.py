"""The README's "Five minutes with the command line", as written, from an empty folder: `init` finds the
shipped workflow (or names --workflow), a failed `init` leaves nothing, and email goes nowhere until a mail
server or the mail catcher is set."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.conftest import ROOT
from tests.e2e.cli import Redress


def readme_commands() -> list[list[str]]:
    """The `redress` lines of the README's quick start, continuation lines joined, comments dropped."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Five minutes with the command line\s+```sh\n(.*?)```", text, re.S)
    assert block is not None, "the README has lost its quick start"
    lines = block.group(1).replace("\\\n", " ").splitlines()
    return [words for line in lines if (words := shlex.split(line, comments=True)) and words[0] == "redress"]


def test_the_readme_quick_start_works_as_written_from_an_empty_folder(tmp_path: Path) -> None:
    redress = Redress.bare(tmp_path)
    commands = readme_commands()
    assert commands[0] == ["redress", "init"] and len(commands) > 8
    said = {}
    for words in commands:
        said[" ".join(words[1:3])] = redress(*words[1:]).out
    assert "loaded as a new version" in said["init"]
    assert "escalated" in said["case audit"].lower() or "chair" in said["case audit"].lower()
    assert said["workflow show"].startswith("stateDiagram") and "Reported" in said["workflow show"]
    # no mail server and no catcher set: nothing is sent anywhere, and the worker says where the email is
    assert "email kept in the outbox" in said["worker --once"]
    waiting = redress("outbox", "list").out
    assert "sent" not in waiting.split("\n", 1)[0].lower() or "waiting" in waiting.lower()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "redress.db"]  # no mail folder: none caught


def test_init_names_workflow_when_the_file_it_is_given_is_not_there_and_makes_nothing(tmp_path: Path) -> None:
    redress = Redress.bare(tmp_path)
    named = redress("init", "--workflow", "procedure.yaml", ok=False)
    assert named.code != 0 and "--workflow" in named.err and "Traceback" not in named.err
    assert len(named.err.strip().splitlines()) == 1
    configured = Redress.bare(tmp_path, REDRESS_WORKFLOW="ours.yaml")("init", ok=False)
    assert configured.code != 0 and "--workflow" in configured.err and "REDRESS_WORKFLOW" in configured.err
    assert list(tmp_path.iterdir()) == []


def test_a_failed_init_leaves_no_half_made_database_folder_or_key(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file where the data folder should go")
    redress = Redress.bare(tmp_path, REDRESS_DATABASE_URL="sqlite:///./db/redress.db", REDRESS_DATA_DIR="blocker/data")
    failed = redress("init", ok=False)
    assert failed.code != 0 and "Traceback" not in failed.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]  # neither ./db nor a redress.db in it
    # mended, the same command makes the database in full
    (tmp_path / "blocker").unlink()
    assert "database ready" in redress("init").out
    assert (tmp_path / "db" / "redress.db").is_file() and (tmp_path / "blocker" / "data" / "integrity.key").is_file()
    assert (tmp_path / "blocker" / "data" / "totp.key").is_file()


def test_mail_goes_to_the_catcher_once_its_port_is_set(tmp_path: Path) -> None:
    from tests.e2e.test_worker import closed_port  # a port nothing listens on: the attempt is made, and fails

    redress = Redress.bare(tmp_path)
    redress("init")
    redress("people", "add", "--name", "Helen Head", "--email", "head@school.example", "--role", "headteacher")
    redress("people", "add", "--name", "Sam Staff", "--email", "sam@school.example", "--role", "staff")
    redress(
        "case",
        "open",
        "--category",
        "staff_offensive",
        "--summary",
        "Posts",
        "--staff",
        "sam@school.example",
        "--platform",
        "Facebook",
        "--as",
        "head@school.example",
    )
    assert "email kept in the outbox" in redress("worker", "--once").out
    tried = Redress.bare(tmp_path, REDRESS_MAILBOX_PORT=str(closed_port()))("worker", "--once").out
    assert "email kept in the outbox" not in tried and "to retry" in tried
