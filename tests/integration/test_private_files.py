"""Only `init` creates a database; what Redress creates is private to its user; failures are one line."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from redress.cli import main
from tests.conftest import WORKFLOW


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in [n for n in __import__("os").environ if n.startswith("REDRESS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("REDRESS_WORKFLOW", str(WORKFLOW))
    monkeypatch.setenv("REDRESS_DATABASE_URL", f"sqlite:///{tmp_path / 'db' / 'redress.db'}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*argv: str) -> int:
    try:
        main(list(argv))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def test_init_makes_the_database_and_the_folders_private(folder: Path) -> None:
    assert run("init") == 0
    database = folder / "db" / "redress.db"
    assert _mode(database) == 0o600 and _mode(database.parent) == 0o700 and _mode(folder / "data") == 0o700
    assert run("people", "list") == 0  # a read leaves no -wal or -shm readable by others
    for sibling in database.parent.glob("redress.db-*"):
        assert _mode(sibling) == 0o600


def test_init_makes_an_existing_world_readable_database_private(folder: Path) -> None:
    assert run("init") == 0
    database = folder / "db" / "redress.db"
    database.chmod(0o644)
    assert run("init") == 0
    assert _mode(database) == 0o600


def test_a_command_other_than_init_creates_no_database(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("case", "list", "--as", "head@school.example") == 1
    assert (
        capsys.readouterr().err == f"redress: no Redress database at {folder / 'db' / 'redress.db'}: run 'redress init' first\n"
    )
    assert not (folder / "db").exists()


def test_debug_shows_the_traceback_that_is_otherwise_hidden(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("init") == 0
    capsys.readouterr()

    def boom(*_args: object, **_kwargs: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr("engine.commands.people.list_people", boom)
    monkeypatch.setattr("redress.cli.setup_cmd.list_people", boom)
    assert run("people", "list") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1 and "--debug" in err
    assert run("--debug", "people", "list") == 1
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setenv("REDRESS_DEBUG", "1")
    assert run("people", "list") == 1
    assert "Traceback" in capsys.readouterr().err
