"""End to end: the `redress` command, as a subprocess, through the whole policy procedure."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.schools import the_school

pytestmark = pytest.mark.slow


@pytest.fixture
def redress(tmp_path, backend, template):
    return template(the_school, backend).copy(tmp_path)


def test_a_case_goes_from_report_to_legal_advice_and_its_trail_verifies(redress, tmp_path):
    head = ("--as", "head@school.example")
    case = redress(
        "case",
        "open",
        "--category",
        "staff_defamation",
        "--category",
        "staff_offensive",
        "--summary",
        "A parent posted that Mr Smith steals from pupils",
        "--staff",
        "sam@school.example",
        "--platform",
        "Facebook",
        "--link",
        "https://facebook.example/p/1",
        "--seen-at",
        "2026-11-23T08:30",
        "--as",
        "coordinator@school.example",
    ).out.strip()
    assert case.isdigit()
    redress("case", "act", case, "acknowledge", *head, "--field", "staff_reassured=yes")
    screenshot = tmp_path / "post.png"
    screenshot.write_bytes(b"fake png bytes")
    out = redress("case", "evidence", case, "--file", str(screenshot), *head, "--description", "the post").out
    assert "sha256" in out
    redress("case", "act", case, "arrange_meeting", *head, "--field", "meeting_date=2026-11-30", "--field", "invited_by=letter")
    redress("case", "meeting", case, "--held-on", "2026-11-30", "--attendees", "Headteacher; the parent", *head)
    redress(
        "case",
        "act",
        case,
        "record_meeting_outcome",
        *head,
        "--field",
        "reason=A detention",
        "--field",
        "outcome=refused to remove the posts",
    )
    redress("case", "act", case, "confirm_removal", *head, "--field", "removal_confirmed=no", "--field", "checked_on=2026-11-01")
    redress("case", "act", case, "give_warning", *head, "--field", "warned_on=2026-11-02", "--field", "method=letter")
    redress("case", "act", case, "escalate_to_chair", *head, "--field", "reason=Still posting")
    redress(
        "case",
        "act",
        case,
        "record_chair_meeting",
        "--as",
        "chair@school.example",
        "--field",
        f"held_on={date.today().isoformat()}",  # a meeting held today: never in the future, whenever this runs
        "--field",
        "summary=No agreement",
    )
    redress("case", "act", case, "seek_legal_advice", *head, "--field", "reason=New posts")
    redress("case", "note", case, "Solicitor instructed", *head)
    redress("case", "act", case, "close_after_legal_advice", *head, "--field", "advice_summary=Letter sent; posts gone")

    shown = json.loads(redress("case", "show", case, "--json", "--as", "head@school.example").out)
    assert shown["stage"] == "closed" and shown["outcome"] == "closed after legal advice"
    assert shown["evidence"][0]["sha256"] == hashlib.sha256(b"fake png bytes").hexdigest()
    audit = json.loads(redress("case", "audit", case, "--json", "--verify", "--as", "head@school.example").out)
    kinds = [e["kind"] for e in audit["events"]]
    assert kinds[0] == "opened" and kinds.count("action") == 9 and "evidence" in kinds and "meeting" in kinds
    assert audit["verification"] == {
        "ok": True,
        "checked": len(kinds),
        "first_bad_seq": None,
        "reason": "",
        "problems": [],
        "erased": [],
    }
    assert "chain intact" in redress("case", "audit", case, "--verify", "--as", "head@school.example").out


def test_refusals_are_one_line_with_a_non_zero_exit_and_no_traceback(redress):
    case = redress(
        "case", "open", "--category", "school_complaint", "--summary", "A complaint on X", "--as", "head@school.example"
    ).out.strip()
    refused = redress("case", "act", case, "resolve", "--as", "head@school.example", ok=False)
    assert refused.code == 1
    assert refused.err.count("\n") == 1 and refused.err.startswith(
        "redress: 'Record a successful outcome and close' cannot be taken while the case is at 'Reported'"
    )
    usage = redress("case", "act", case, ok=False)
    assert usage.code == 2 and "Traceback" not in usage.err and usage.err.count("\n") == 1
    wrong_role = redress(
        "case", "open", "--category", "school_complaint", "--summary", "x", "--as", "sam@school.example", ok=False
    )
    assert (
        wrong_role.code == 1
        and "only the Headteacher, Senior leadership team or e-Safety coordinator may open a case" in wrong_role.err
    )
    bad_category = redress("case", "open", "--category", "racism", "--summary", "x", "--as", "head@school.example", ok=False)
    assert "there is no category 'racism'" in bad_category.err


def test_tampered_audit_row_is_named_by_verify(redress):
    case = redress(
        "case", "open", "--category", "school_complaint", "--summary", "A complaint", "--as", "head@school.example"
    ).out.strip()
    redress("case", "note", case, "first note", "--as", "head@school.example")
    engine = create_engine(redress.database_url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_events SET data = :d WHERE case_id = :c AND seq = 2"),
            {"d": json.dumps({"note": 1, "text": "a different note"}), "c": int(case)},
        )
    engine.dispose()
    result = redress("case", "audit", case, "--verify", "--as", "head@school.example", ok=False)
    assert result.code == 1
    assert "TAMPERED: event 2 (note" in result.out


def test_two_processes_acting_on_one_case_at_once_exactly_one_wins(redress):
    case = redress(
        "case", "open", "--category", "school_complaint", "--summary", "A complaint", "--as", "head@school.example"
    ).out.strip()
    racers = [
        redress.popen("case", "act", case, "acknowledge", "--as", "head@school.example", "--field", "staff_reassured=yes")
        for _ in range(2)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in racers]
    for p in racers:
        for stream in (p.stdout, p.stderr):
            if stream:
                stream.close()
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 1], outcomes
    loser = next(err for code, err in outcomes if code == 1)
    assert "Gathering evidence" in loser  # the loser is told what the case is now, in the workflow's words
    audit = json.loads(redress("case", "audit", case, "--json", "--verify", "--as", "head@school.example").out)
    assert [e["action"] for e in audit["events"]].count("acknowledge") == 1
    assert audit["verification"]["ok"]
