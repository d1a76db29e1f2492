"""A guard a track satisfies is named by the workflow (`establishes:` on the track's stage), never by code."""

from __future__ import annotations

from pathlib import Path

import workflows
from tests.unit.test_workflow_tracks import problems, tracked
from workflows import GUARDS, CaseFacts

SPEC = workflows.load(Path(__file__).resolve().parents[2] / "workflows.yaml").spec
REMOVAL_CONFIRMED = GUARDS["removal_confirmed"]


def test_the_shipped_removal_track_says_which_of_its_stages_confirm_the_removal() -> None:
    assert SPEC.established({"removal": "removed"}) == {"removal_confirmed"}
    assert SPEC.established({"removal": "stayed_removed", "police": "with_police"}) == {"removal_confirmed"}
    assert SPEC.established({"removal": "removal_pending"}) == frozenset()


def test_the_guard_holds_on_what_the_workflow_establishes_not_on_stage_names() -> None:
    answered_no = {"confirm_removal": {"removal_confirmed": False}}
    assert not REMOVAL_CONFIRMED.holds(CaseFacts("outcome_review", facts=answered_no, tracks={"removal": "removed"}))
    assert REMOVAL_CONFIRMED.holds(CaseFacts("outcome_review", facts=answered_no, established=frozenset({"removal_confirmed"})))
    # Renamed stages in a school's own workflow work, as long as the workflow says what they establish.
    assert REMOVAL_CONFIRMED.holds(
        CaseFacts("outcome_review", tracks={"takedown": "gone"}, established=frozenset({"removal_confirmed"}))
    )


def test_a_track_stage_establishing_an_unknown_guard_is_refused_at_its_line() -> None:
    edit = ("        title: Outcome recorded\n", "        title: Outcome recorded\n        establishes: [removal_confirmd]\n")
    assert problems(edit) == ["w.yaml:89:23: unknown guard 'removal_confirmd' (did you mean 'removal_confirmed'?)"]


def test_only_a_track_stage_may_establish_a_guard() -> None:
    edit = ("    title: Reported\n", "    title: Reported\n    establishes: [removal_confirmed]\n")
    assert problems(edit) == [
        "w.yaml:18:18: only a stage of a track can establish a guard: a main stage is answered by its actions' fields"
    ]


def test_a_track_stage_may_establish_a_known_guard() -> None:
    edit = ("        title: Outcome recorded\n", "        title: Outcome recorded\n        establishes: [removal_confirmed]\n")
    spec = workflows.load_text(tracked(edit), "w.yaml", {"new_case", "case_closed", "deadline_reminder"}).spec
    assert spec.established({"police": "done"}) == {"removal_confirmed"}
