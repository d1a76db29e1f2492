"""End to end: `redress review show|answer|sign`, as a subprocess: the reviewers sign, others are refused."""

from __future__ import annotations

from datetime import date

import pytest

from engine.commands.review import ReviewAnswer, answer_review
from engine.rules.clock import SystemClock
from engine.rules.review import a_year_on
from tests.conftest import CHAIR, COORDINATOR, HEAD, SAM, make_app
from tests.e2e.cli import Redress
from tests.e2e.schools import the_school

pytestmark = pytest.mark.slow
DIRECTOR = "director@school.example"


def school_with_director(run: Redress) -> None:
    the_school(run)
    run("people", "add", "--name", "Dora Director", "--email", DIRECTOR, "--role", "nominated_director")


@pytest.fixture
def run(tmp_path, template) -> Redress:
    return template(school_with_director).copy(tmp_path)


def test_the_three_reviewers_sign_off_and_staff_are_refused(run):
    year = str(date.today().year)
    refused = run("review", "show", "--as", SAM, ok=False)
    assert refused.code == 1 and refused.err.count("\n") == 1 and "Traceback" not in refused.err
    assert "the annual review is for the headteacher, the chair" in refused.err
    refused = run("review", "answer", "--as", SAM, "--point", "3", "--answer", "yes", ok=False)
    assert refused.code == 1 and "only the e-Safety coordinator, the headteacher and the nominated director" in refused.err
    wrong = run("review", "answer", "--as", HEAD, "--point", "3", "--answer", "maybe", ok=False)
    assert wrong.code == 1 and "'maybe' is not an answer to 'Coordinator in place'" in wrong.err

    assert (
        "recorded" in run("review", "answer", "--as", HEAD, "--point", "15", "--answer", "n/a", "--evidence", "None needed").out
    )
    early = run("review", "sign", "--as", HEAD, "--role", "headteacher", ok=False)
    assert early.code == 1 and "answer every point before signing" in early.err
    app = make_app(run.database_url, run.folder)
    app.clock = SystemClock()
    try:  # the rest of the checklist through the engine: the same command the CLI runs
        answer_review(app, COORDINATOR, int(year), [ReviewAnswer(n, "yes") for n in range(1, 27) if n != 15], "Effective")
    finally:
        app.close()

    other = run("review", "sign", "--as", HEAD, "--role", "nominated_director", ok=False)
    assert other.code == 1 and "Helen Head is not the nominated director" in other.err
    assert (
        "Still to sign: the headteacher and the nominated director"
        in run("review", "sign", "--as", COORDINATOR, "--role", "coordinator").out
    )
    twice = run("review", "sign", "--as", COORDINATOR, "--role", "coordinator", ok=False)
    assert twice.code == 1 and "already signed" in twice.err
    run("review", "sign", "--as", HEAD, "--role", "headteacher")
    last = run("review", "sign", "--as", DIRECTOR, "--role", "nominated_director", "--year", year).out
    due = a_year_on(date.today())
    assert f"the next is due on {due:%d %B %Y}" in last
    shown = run("review", "show", "--as", CHAIR).out
    assert f"next review due on {due:%d %B %Y}" in shown
    assert "15. Funding in place: N/A (Helen Head)" in shown and "None needed" in shown
    assert "The nominated director: signed by Dora Director" in shown
