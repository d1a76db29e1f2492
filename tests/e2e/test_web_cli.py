"""End to end: the web app's commands, as a person runs them (`redress people set-password`,
`redress init --demo`, `redress serve`)."""

from __future__ import annotations

import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.browser import free_port, wait_until_up
from tests.e2e.cli import Redress
from tests.e2e.schools import Template, initialised

pytestmark = pytest.mark.slow


@pytest.fixture
def redress(tmp_path: Path, template: Callable[..., Template]) -> Redress:
    """A SQLite file `redress init` has made."""
    return template(initialised).copy(tmp_path)


def set_password(redress: Redress, email: str, typed: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        redress.command("people", "set-password", email, "--password-stdin"),
        input=typed,
        cwd=redress.folder,
        env=redress.env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_set_password_stores_an_argon2_hash_never_the_password(redress: Redress) -> None:
    redress("people", "add", "--name", "Helen Head", "--email", "head@school.example", "--role", "headteacher")
    done = set_password(redress, "head@school.example", "a long enough password\n")
    assert done.returncode == 0 and "password set for Helen Head" in done.stdout
    database = (redress.folder / "redress.db").read_bytes()
    assert b"$argon2id$" in database and b"a long enough password" not in database


def test_set_password_refuses_a_short_password_and_an_unknown_person(redress: Redress) -> None:
    redress("people", "add", "--name", "Helen Head", "--email", "head@school.example", "--role", "headteacher")
    short = set_password(redress, "head@school.example", "short\n")
    assert short.returncode == 1 and "make it at least 10" in short.stderr
    unknown = set_password(redress, "nobody@school.example", "a long enough password\n")
    assert unknown.returncode == 1 and "nobody with the email" in unknown.stderr


def test_init_demo_prints_logins_once_and_makes_cases_at_several_stages(redress: Redress) -> None:
    first = redress("init", "--demo").out
    logins = re.findall(r"^\s+(\S+)\s+(\S+@demo-school\.example)\s+(\S+)$", first, re.MULTILINE)
    assert {role for role, _, _ in logins} == {"headteacher", "chair", "coordinator", "equalities_manager", "staff"}
    assert len({password for _, _, password in logins}) == len(logins)
    head = next(email for role, email, _ in logins if role == "headteacher")
    stages = {line.split()[1] for line in redress("case", "list", "--as", head).out.splitlines()[1:] if line.strip()}
    assert len(stages) >= 4
    again = redress("init", "--demo").out
    assert "no demo school added" in again and logins[0][2] not in again


def test_serve_answers_and_stops_cleanly(redress: Redress) -> None:
    port = free_port()
    server = redress.popen("serve", "--port", str(port), "--no-worker")
    try:
        wait_until_up(f"http://127.0.0.1:{port}/sign-in", server)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/me", timeout=5)
        refused.value.close()
        assert refused.value.code == 401
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert "Redress is at http://127.0.0.1:" in err and "Traceback" not in err


def test_serve_before_init_says_what_to_do(tmp_path: Path) -> None:
    fresh = Redress(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}")
    result = fresh("serve", "--port", str(free_port()), ok=False)
    assert result.code == 1 and "redress init" in result.err


def test_set_password_asks_twice_and_refuses_a_mismatch(redress: Redress, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from redress.cli import cli

    redress("people", "add", "--name", "Helen Head", "--email", "head@school.example", "--role", "headteacher")
    for name, value in redress.env.items():
        if name.startswith("REDRESS_"):
            monkeypatch.setenv(name, value)
    monkeypatch.chdir(redress.folder)
    runner = CliRunner()
    mismatch = runner.invoke(
        cli,
        ["people", "set-password", "head@school.example"],
        input="a long enough password\nanother long password\na long enough password\na long enough password\n",
    )
    assert mismatch.exit_code == 0, mismatch.output
    assert "do not match" in mismatch.output.lower() or "don't match" in mismatch.output.lower()
    assert "password set for Helen Head" in mismatch.output
