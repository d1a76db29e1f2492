"""`redress subject ...` as a person runs it: log a request, find the parent across cases, export it redacted into a
folder; every refusal one line on stderr, a non-zero exit, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.schools import the_school

pytestmark = pytest.mark.slow

HEAD = ("--as", "head@school.example")


@pytest.fixture
def redress(tmp_path, template):  # type: ignore[no-untyped-def]
    return template(the_school).copy(tmp_path)


def one_line(result) -> str:  # type: ignore[no-untyped-def]
    assert result.code != 0 and result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    return str(result.err)


def test_a_request_is_found_and_exported_redacted_from_the_command_line(redress, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for summary, poster in (
        ("Posts calling the head a liar", "J. Parent:j.parent@mail.example"),
        ("More posts", "K. Other:k@other.example"),
    ):
        redress(
            "case",
            "open",
            "--category",
            "staff_offensive",
            "--summary",
            summary,
            "--staff",
            "sam@school.example",
            "--poster",
            poster,
            "--pupil",
            "P-42",
            *HEAD,
        )
    logged = redress("subject", "receive", *HEAD, "--requester", "J. Parent", "--about", "J. Parent", "--received", "2025-01-31")
    assert logged.out.startswith("subject access request 1 logged: received 2025-01-31, answer due 2025-02-28")
    assert "check the requester's identity" in logged.out
    found = redress("subject", "find", "J. Parent", *HEAD).out
    assert found.startswith("case #1 ") and "named as a poster" in found and "case #2" not in found
    assert json.loads(redress("subject", "find", "J. Parent", *HEAD, "--json").out)["cases"][0]["case_id"] == 1
    assert "OVERDUE" in redress("subject", "list", *HEAD).out

    out = tmp_path / "answer"
    out.mkdir()
    done = redress("subject", "export", "1", "--out", str(out), *HEAD)
    assert "1 case(s) exported" in done.out and "redacted for review" in done.out
    body = (out / "subject-request-1.json").read_text() + (out / "subject-request-1.html").read_text()
    assert "J. Parent" in body and "K. Other" not in body and "P-42" not in body and "sam@school.example" not in body

    assert "exists already" in one_line(redress("subject", "export", "1", "--out", str(out), *HEAD, ok=False))
    assert "no subject access request 7" in one_line(redress("subject", "export", "7", "--out", str(out), *HEAD, ok=False))
    assert "does not exist" in one_line(redress("subject", "export", "1", "--out", str(tmp_path / "nowhere"), *HEAD, ok=False))
    refused = one_line(redress("subject", "find", "J. Parent", "--as", "chair@school.example", ok=False))
    assert "only the Headteacher may handle subject access requests" in refused
    assert "nobody active" in one_line(redress("subject", "list", "--as", "nobody@x.example", ok=False))
    late = one_line(
        redress("subject", "extend", "1", *HEAD, "--months", "2", "--told", "2025-03-01", "--reason", "Many", ok=False)
    )
    assert "too late to extend" in late
    assert "not a date" in one_line(
        redress("subject", "receive", *HEAD, "--requester", "X", "--about", "Y Z", "--received", "31/01/2025", ok=False)
    )
    assert "too short" in one_line(redress("subject", "find", "J", *HEAD, ok=False))
    assert "answered on" in redress("subject", "answered", "1", *HEAD).out
