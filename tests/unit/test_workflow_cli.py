"""`redress workflow check` and `redress workflow show`, in process and as a real subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import workflows
from redress.cli import main
from tests.conftest import WORKFLOW
from tests.unit.workflow_base import workflow

SUMMARY = "redress: 2 problem(s) in the workflow: fix them and run 'redress workflow check'"


@dataclass
class Ran:
    code: int
    out: str
    err: str


def redress(capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    """Run `redress ARGS` in this process, as the console script does."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return Ran(code, out, err)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A workflow with two mistakes the static checks find."""
    path = tmp_path / "workflows.yaml"
    text = workflow(("guards: [has_evidence]", "guards: [has_evidense]"), ("remind: [chair]", "remind: [chiar]"))
    path.write_text(text, encoding="utf-8")
    return path


def expected_problems(path: Path | str) -> list[str]:
    return [
        f"{path}:25:53: unknown role or relation 'chiar' (did you mean 'chair'?)",
        f"{path}:40:14: unknown guard 'has_evidense' (did you mean 'has_evidence'?)",
    ]


def test_check_on_the_shipped_workflow_prints_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    spec = workflows.load(WORKFLOW).spec
    ran = redress(capsys, "workflow", "check", str(WORKFLOW))
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == (
        f"{WORKFLOW}: ok: '{spec.name}', {len(spec.stages)} stages, {len(spec.actions)} actions, "
        f"{sum(len(s.deadlines) for s in spec.stages.values())} deadlines, {len(spec.categories)} categories, "
        f"4 tracks (11 stages, 8 actions) (version {spec.content_hash[:12]})\n"
    )


def test_check_counts_what_it_checked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(workflow(), encoding="utf-8")
    ran = redress(capsys, "workflow", "check", str(path))
    assert ran.code == 0
    assert re.fullmatch(
        rf"{re.escape(str(path))}: ok: 'A small procedure', 3 stages, 2 actions, 3 deadlines, 2 categories, no tracks "
        r"\(version [0-9a-f]{12}\)\n",
        ran.out,
    )


def test_check_reads_the_file_named_by_redress_workflow(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDRESS_WORKFLOW", str(WORKFLOW))
    ran = redress(capsys, "workflow", "check")
    assert ran.code == 0
    assert ran.out.startswith(f"{WORKFLOW.relative_to(Path.cwd()) if WORKFLOW.is_relative_to(Path.cwd()) else WORKFLOW}: ok: ")


def test_check_on_a_broken_file_lists_every_problem_and_exits_1(capsys: pytest.CaptureFixture[str], broken: Path) -> None:
    ran = redress(capsys, "workflow", "check", str(broken))
    assert (ran.code, ran.out) == (1, "")
    assert ran.err.splitlines() == [*expected_problems(broken), SUMMARY]


def test_check_on_a_missing_file_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    ran = redress(capsys, "workflow", "check", str(missing))
    assert ran.code == 1
    assert ran.err.splitlines() == [
        f"{missing}:1:1: no such file: give the path of a workflows.yaml",
        "redress: 1 problem(s) in the workflow: fix them and run 'redress workflow check'",
    ]


def test_check_on_a_folder_says_it_cannot_read_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ran = redress(capsys, "workflow", "check", str(tmp_path))
    assert ran.code == 1
    assert ran.err.startswith(f"{tmp_path}:1:1: cannot read the file: ")
    assert "Traceback" not in ran.err


def test_show_prints_the_text_list_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    ran = redress(capsys, "workflow", "show", str(WORKFLOW))
    assert (ran.code, ran.err) == (0, "")
    assert ran.out.startswith("Online complaints against the school community (version ")
    assert "    acknowledge -> gathering_evidence: Acknowledge and start the investigation\n" in ran.out


@pytest.mark.parametrize(
    ("fmt", "first_line"), [("text", "Online complaints"), ("mermaid", "stateDiagram-v2"), ("dot", "digraph "), ("svg", "<svg ")]
)
def test_show_prints_each_format(capsys: pytest.CaptureFixture[str], fmt: str, first_line: str) -> None:
    ran = redress(capsys, "workflow", "show", str(WORKFLOW), "--format", fmt)
    assert (ran.code, ran.err) == (0, "")
    assert ran.out.startswith(first_line)
    assert ran.out.endswith("\n") and not ran.out.endswith("\n\n")


def test_show_with_an_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    ran = redress(capsys, "workflow", "show", str(WORKFLOW), "--format", "pdf")
    assert (ran.code, ran.out) == (2, "")
    [line] = ran.err.splitlines()
    assert line.startswith("redress: ") and "'pdf'" in line and line.endswith("(see 'redress workflow show --help')")


def test_show_on_a_broken_file_prints_nothing_but_the_problems(capsys: pytest.CaptureFixture[str], broken: Path) -> None:
    ran = redress(capsys, "workflow", "show", str(broken), "--format", "mermaid")
    assert (ran.code, ran.out) == (1, "")
    assert ran.err.splitlines() == [*expected_problems(broken), SUMMARY]


# --- as a real process ------------------------------------------------------------------------


def run_redress(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "redress", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def test_python_m_engine_checks_the_shipped_workflow(tmp_path: Path) -> None:
    done = run_redress("workflow", "check", str(WORKFLOW), cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert len(done.stdout.splitlines()) == 1
    assert done.stdout.startswith(f"{WORKFLOW}: ok: ")


def test_python_m_engine_reports_a_broken_workflow_without_a_traceback(broken: Path) -> None:
    done = run_redress("workflow", "check", cwd=broken.parent)  # ./workflows.yaml by default
    assert (done.returncode, done.stdout) == (1, "")
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [*expected_problems("workflows.yaml"), SUMMARY]


def test_check_names_an_email_full_templates_entry_that_is_no_template(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDRESS_EMAIL_FULL_TEMPLATES", "case_closed,authorities_referal")
    ran = redress(capsys, "workflow", "check", str(WORKFLOW))
    assert ran.code == 1
    assert ran.err.splitlines()[0] == (
        "email_full_templates: 'authorities_referal' is not an email template (did you mean 'authorities_referral'?)"
    )


def test_check_renders_a_template_for_a_reader_who_may_not_open_the_case(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # An override that breaks on the cut-down context in a way other than needing more (a filter given None).
    (tmp_path / "case_closed.txt").write_text("{{ case.platform|length }}\n", encoding="utf-8")
    monkeypatch.setenv("REDRESS_TEMPLATES_DIR", str(tmp_path))
    ran = redress(capsys, "workflow", "check", str(WORKFLOW))
    assert ran.code == 1
    assert any("case_closed.txt" in line and "may not open the case in full" in line for line in ran.err.splitlines())
