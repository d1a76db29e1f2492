"""End to end: `redress report` and `redress report annual`, as a subprocess, over a generated history."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from engine.rules.clock import SystemClock
from tests.conftest import SCHOOL, make_app
from tests.e2e.cli import Redress
from tests.e2e.schools import the_school
from tests.support.history import POSTER_NAMES, GeneratedCase, generate_history

pytestmark = pytest.mark.slow
YEAR = datetime.now(UTC).year - 1  # a whole year of history, with the year before it


def school_with_history(run: Redress) -> list[GeneratedCase]:
    """The school through `redress`, then 150 cases over the last three years (seeded), written by the engine."""
    the_school(run)
    app = make_app(run.database_url, run.folder)
    app.clock = SystemClock()
    try:
        return generate_history(app, 150, seed=3)
    finally:
        app.close()


@pytest.fixture
def generated(tmp_path, backend, template) -> tuple[Redress, list[GeneratedCase]]:
    school = template(school_with_history, backend)
    return school.copy(tmp_path), school.made


def test_report_as_csv_has_a_header_and_every_category(generated):
    run, history = generated
    rows = list(csv.DictReader(io.StringIO(run("report", "--format", "csv").out)))
    assert list(rows[0]) == ["section", "key", "label", "measure", "value"]
    figures = {(r["section"], r["key"], r["measure"]): r["value"] for r in rows}
    assert figures[("totals", "opened", "count")] == str(len(history))
    assert sum(r["section"] == "categories" for r in rows) == 11
    assert ("resolution_days", "resolution", "p90") in figures


def test_report_as_json_and_as_a_table(generated):
    run, history = generated
    shown = json.loads(run("report", "--by", "term", "--format", "json").out)
    assert shown["report"] == "monitoring" and shown["version"] == 1 and shown["by"] == "term"
    assert sum(p["value"] for p in shown["periods"]) == len(history)
    table = run("report", "--from", f"{YEAR}-01-01", "--to", f"{YEAR}-12-31").out
    assert f"From 01 Jan {YEAR} to 31 Dec {YEAR}" in table and "Cases opened" in table and "School days taken" in table


def test_annual_review_has_charts_the_checklist_and_no_personal_data(generated, tmp_path):
    run, history = generated
    out = tmp_path / "review.html"
    result = run("report", "annual", "--year", str(YEAR), "--out", str(out))
    assert str(out) in result.out
    html = out.read_text(encoding="utf-8")
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 2
    assert "Policy evaluation" in html and "Equality Impact Assessment undertaken" in html
    assert "from Redress" in html and "A statement outlining the overall effectiveness of this policy" in html
    assert f'<th scope="col" class="num">{YEAR - 1}</th>' in html
    private = [name for name, _, _ in SCHOOL] + [email for _, email, _ in SCHOOL] + POSTER_NAMES
    private += [c.summary for c in history] + ["Featherstonehaugh", "@poster.example"]
    assert [p for p in private if p in html] == []


def test_annual_review_without_a_pdf_renderer_says_how_to_get_one(generated, tmp_path):
    run, _ = generated
    out = tmp_path / "review.html"
    run.env["PATH"] = str(tmp_path / "empty")
    result = run("report", "annual", "--year", str(YEAR), "--out", str(out), "--pdf", ok=False)
    assert result.code == 1  # the PDF asked for was not made: the command fails, saying how to get one
    assert out.exists() and not out.with_suffix(".pdf").exists()
    assert "no PDF renderer (chromium or wkhtmltopdf) is installed" in result.err
    assert "Traceback" not in result.out + result.err


def test_annual_review_as_pdf_when_chromium_is_installed(generated, tmp_path):
    from engine.report.pdf import find_renderer

    if find_renderer() is None:
        pytest.skip("no PDF renderer here")
    run, _ = generated
    out = tmp_path / "review.html"
    result = run("report", "annual", "--year", str(YEAR), "--out", str(out), "--pdf")
    assert "PDF written to" in result.out, result.out
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_annual_review_out_a_pdf_writes_that_pdf_or_fails(generated, tmp_path):
    """`--out review.pdf --pdf` once wrote the HTML to review.pdf, which the renderer then deleted: no file, exit 0."""
    from engine.report.pdf import find_renderer

    run, _ = generated
    out = tmp_path / "review.pdf"
    if find_renderer() is None:
        failed = run("report", "annual", "--year", str(YEAR), "--out", str(out), "--pdf", ok=False)
        assert failed.code == 1 and not out.exists()
        return
    result = run("report", "annual", "--year", str(YEAR), "--out", str(out), "--pdf")
    assert out.read_bytes().startswith(b"%PDF"), result.out
    assert (tmp_path / "review.html").exists()


def test_mistakes_get_one_line_and_no_traceback(generated, tmp_path):
    run, _ = generated
    backwards = run("report", "--from", "2026-03-01", "--to", "2026-02-01", ok=False)
    assert backwards.code == 1 and "swap --from and --to" in backwards.err
    nowhere = run("report", "annual", "--year", str(YEAR), "--out", str(tmp_path / "missing" / "r.html"), ok=False)
    assert nowhere.code == 2 and "missing does not exist: create it first" in nowhere.err  # refused before anything runs
    bad_date = run("report", "--from", "1 March", ok=False)
    assert bad_date.code == 2
    for result in (backwards, nowhere, bad_date):
        assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
