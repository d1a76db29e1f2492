"""The annual review's rules: answers in people's words, the three reviewers by power, a year on."""

from __future__ import annotations

from datetime import date

import pytest

from engine.errors import BadInput
from engine.rules.access import Power, Viewer
from engine.rules.review import a_year_on, answer_key, capacities, may_answer_review, may_read_review, reviewer


def viewer(*powers: Power) -> Viewer:
    return Viewer(1, "x@school.example", "X", frozenset(), frozenset(powers))


def test_answers_as_people_write_them() -> None:
    given = ("Yes", " y ", "NO", "N/A", "na", "not applicable")
    assert [answer_key(v, 1) for v in given] == ["yes", "yes", "no", "na", "na", "na"]
    with pytest.raises(BadInput) as refused:
        answer_key("perhaps", 4)
    assert refused.value.problems == (
        ("answer-4", "'perhaps' is not an answer to 'Nominated Director in place': answer Yes, No or N/A"),
    )


def test_the_reviewers_are_powers_never_the_chair_by_default() -> None:
    assert [r.key for r in capacities(viewer(Power.HEAD_SCHOOL, Power.OVERSEE_ESAFETY))] == ["headteacher", "nominated_director"]
    chair = viewer(Power.READ_ANNUAL_REVIEW, Power.READ_REPORT)
    assert may_read_review(chair) and not may_answer_review(chair) and capacities(chair) == ()
    assert not may_read_review(viewer(Power.READ_REPORT))
    assert reviewer("Nominated director").key == "nominated_director"
    with pytest.raises(BadInput, match="not one of the reviewers the policy names"):
        reviewer("chair")


def test_a_year_on() -> None:
    assert a_year_on(date(2026, 11, 23)) == date(2027, 11, 23)
    assert a_year_on(date(2028, 2, 29)) == date(2029, 2, 28)
