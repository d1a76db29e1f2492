"""`redress case erase-evidence|hold|release` and `redress retention plan|purge|certificates` as a person runs
them: what they print, and a refusal as one line on stderr with a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli import Redress

pytestmark = pytest.mark.slow

HEAD, CHAIR, COORDINATOR, SAM = "head@school.example", "chair@school.example", "coordinator@school.example", "sam@school.example"


def one_line(result) -> str:  # type: ignore[no-untyped-def]
    assert result.code != 0 and result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    return str(result.err)


@pytest.fixture
def redress(tmp_path: Path) -> Redress:
    return Redress(tmp_path, f"sqlite:///{tmp_path / 'redress.db'}").school()


def test_erasure_and_holds_on_the_command_line(redress: Redress, tmp_path: Path) -> None:
    case = redress(
        "case", "open", "--category", "staff_offensive", "--summary", "A post about Mr Smith", "--staff", SAM, "--as", HEAD
    ).out.strip()
    photo = tmp_path / "pupil.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 a photo of a pupil")
    redress("case", "evidence", case, "--file", str(photo), "--as", HEAD)
    item = json.loads(redress("case", "show", case, "--as", HEAD, "--json").out)["evidence"][0]

    assert "may not" in one_line(
        redress("case", "erase-evidence", case, str(item["id"]), "--reason", "x", "--as", COORDINATOR, ok=False)
    )
    assert "say why" in one_line(
        redress("case", "erase-evidence", case, str(item["id"]), "--reason", " ", "--as", HEAD, ok=False)
    )
    assert "no evidence item 99" in one_line(
        redress("case", "erase-evidence", case, "99", "--reason", "x", "--as", HEAD, ok=False)
    )
    out = redress("case", "erase-evidence", case, str(item["id"]), "--reason", "a photo of a pupil", "--as", HEAD).out
    assert f"evidence #{item['id']} erased" in out
    assert "already erased" in one_line(
        redress("case", "erase-evidence", case, str(item["id"]), "--reason", "x", "--as", HEAD, ok=False)
    )
    verified = redress("verify").out
    assert "1 event(s) erased" in verified and "not tampered with" in verified

    assert "under a legal hold" in redress("case", "hold", case, "--reason", "the police asked", "--as", CHAIR).out
    assert "already under a legal hold" in one_line(redress("case", "hold", case, "--reason", "again", "--as", HEAD, ok=False))
    assert "may not" in one_line(redress("case", "release", case, "--reason", "done", "--as", COORDINATOR, ok=False))
    assert "released" in redress("case", "release", case, "--reason", "the police closed it", "--as", CHAIR).out

    certificates = redress("retention", "certificates", "--as", HEAD).out
    assert f"case #{case}" in certificates and item["sha256"] in certificates and "uploaded by mistake" in certificates
    assert "may not" in one_line(redress("retention", "certificates", "--as", COORDINATOR, ok=False))


def test_the_plan_and_the_purge_on_the_command_line(redress: Redress) -> None:
    case = redress(
        "case", "open", "--category", "staff_offensive", "--summary", "A post about Mr Smith", "--staff", SAM, "--as", HEAD
    ).out.strip()
    redress("case", "act", case, "close_no_action", "--field", "reason=deleted", "--as", HEAD)
    plan = redress("retention", "plan", "--as", HEAD).out
    assert f"case #{case} [kept]" in plan and "6 years from closure" in plan
    assert "nothing is due" in redress("retention", "purge", "--as", HEAD).out
    assert "not due" in one_line(redress("retention", "purge", "--case", case, "--as", HEAD, ok=False))
    assert "may not" in one_line(redress("retention", "plan", "--as", COORDINATOR, ok=False))
    assert json.loads(redress("retention", "plan", "--as", HEAD, "--json").out)[0]["status"] == "kept"
