"""`redress people ...` for joiners, movers and leavers, and `--as` deciding what `case` commands print."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli import Redress

pytestmark = pytest.mark.slow

HEAD, CHAIR, COORDINATOR, SAM, TESS = (
    "head@school.example",
    "chair@school.example",
    "coordinator@school.example",
    "sam@school.example",
    "tess@school.example",
)


@pytest.fixture
def redress(tmp_path: Path) -> Redress:
    return Redress(tmp_path, f"sqlite:///{tmp_path / 'redress.db'}").school()


def test_as_decides_what_case_commands_print(redress: Redress) -> None:
    case = redress(
        "case", "open", "--category", "staff_offensive", "--summary", "A post about Mr Smith", "--staff", SAM, "--as", HEAD
    ).out.strip()
    full = json.loads(redress("case", "show", case, "--as", HEAD, "--json").out)
    assert full["summary"] == "A post about Mr Smith"
    matter = redress("case", "show", case, "--as", SAM).out
    assert "about you: being dealt with" in matter and "Mr Smith" not in matter
    log_only = redress("case", "show", case, "--as", COORDINATOR, ok=False)
    assert log_only.code == 1 and "incident log" in log_only.err and "Mr Smith" not in log_only.out
    hidden = redress("case", "show", case, "--as", TESS, ok=False)
    assert hidden.code == 1 and f"there is no case {case}" in hidden.err
    assert redress("case", "audit", case, "--as", SAM, ok=False).code == 1
    assert case in redress("case", "list", "--as", HEAD).out and redress("case", "list", "--as", TESS).out == ""
    stranger = redress("case", "show", case, "--as", "nobody@x.example", ok=False)
    assert stranger.code == 1 and stranger.err.count("\n") == 1 and "nobody active in Redress" in stranger.err
    redress("people", "deactivate", TESS)
    assert "nobody active" in redress("case", "list", "--as", TESS, ok=False).err


def test_leavers_roles_and_the_last_headteacher_on_the_command_line(redress: Redress) -> None:
    refused = redress("people", "set-roles", HEAD, "--role", "staff", ok=False)
    assert refused.code == 1 and "last active person who may manage people" in refused.err
    assert redress("people", "deactivate", HEAD, ok=False).code == 1
    redress("people", "set-roles", CHAIR, "--role", "chair", "--role", "headteacher")
    redress("people", "deactivate", HEAD)
    assert "(inactive)" in redress("people", "list").out
    assert "reactivated Helen Head" in redress("people", "reactivate", HEAD).out


def test_a_csv_import_dry_run_then_for_real(redress: Redress, tmp_path: Path) -> None:
    staff = tmp_path / "staff.csv"
    staff.write_text(f"name,email,roles\nNina New,nina@school.example,staff\nSam Staff,{SAM},staff;coordinator\n")
    dry = redress("people", "import", str(staff), "--dry-run").out
    assert "1 would be added, 1 would be given other roles, 0 unchanged" in dry
    assert "nina@school.example" not in redress("people", "list").out
    assert "1 were added" in redress("people", "import", str(staff)).out
    assert "nina@school.example" in redress("people", "list").out
    staff.write_text("name,email,roles\nBad Row,not-an-email,staff\nOk Row,ok@school.example,staff\n")
    bad = redress("people", "import", str(staff), ok=False)
    assert bad.code == 1 and "line 2" in bad.err and "ok@school.example" not in redress("people", "list").out
