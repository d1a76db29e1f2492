"""The annual review's checklist answered and signed off by the three reviewers the policy names, stored in
review_events with who and when, on SQLite and PostgreSQL; the sign-off's next review date drives the reminder."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.commands.people import add_person
from engine.commands.review import ReviewAnswer, answer_review, sign_review
from engine.errors import BadInput, NotAllowed, Refused
from engine.queries.review import next_review_date, review_sheet
from engine.rules.review import CHECKLIST
from engine.worker.digest import send_review_if_due
from store import OutboxMessage, ReviewEvent
from tests.conftest import CHAIR, COORDINATOR, HEAD, MONDAY, SAM

DIRECTOR = "director@school.example"


@pytest.fixture
def school(app):
    add_person(app, "Dora Director", DIRECTOR, ["nominated_director"])
    return app


def everything(answer: str = "yes") -> list[ReviewAnswer]:
    return [ReviewAnswer(n, answer, f"evidence for point {n}") for n in range(1, len(CHECKLIST) + 1)]


def answered(app) -> None:
    answer_review(app, COORDINATOR, 2026, everything(), "It is effective and suitable for purpose")


def events(app) -> list[ReviewEvent]:
    with app.db.reading() as session:
        return list(session.scalars(select(ReviewEvent).order_by(ReviewEvent.id)))


def test_answers_are_stored_with_who_and_when_and_only_changes_are_recorded(school):
    app = school
    assert answer_review(app, COORDINATOR, 2026, [ReviewAnswer(15, "Yes", "Budget line 4.2")]) == 1
    assert answer_review(app, COORDINATOR, 2026, [ReviewAnswer(15, "yes", "Budget line 4.2")]) == 0  # nothing changed
    app.clock.set(MONDAY + timedelta(hours=1))
    assert answer_review(app, HEAD, 2026, [ReviewAnswer(15, "N/A", "No funding needed")], "Effective") == 2
    first, second, statement = events(app)
    assert (first.actor, first.point, first.answer, first.text, first.at) == (COORDINATOR, 15, "yes", "Budget line 4.2", MONDAY)
    assert (second.actor, second.answer, second.at) == (HEAD, "na", MONDAY + timedelta(hours=1))
    assert (statement.kind, statement.text) == ("statement", "Effective")
    sheet = review_sheet(app, 2026)
    funding = sheet.items[14]
    assert (funding.point, funding.answer_label, funding.evidence, funding.answered_by) == (
        "Funding in place",
        "N/A",
        "No funding needed",
        "Helen Head",
    )
    assert not funding.from_data
    assert [e.what for e in sheet.record][:2] == [
        "wrote the statement of the policy's effectiveness",
        "answered 'Funding in place': N/A (No funding needed)",
    ]


def test_bad_answers_are_refused_together_each_about_its_field_and_nothing_is_written(school):
    with pytest.raises(BadInput) as refused:
        answer_review(school, HEAD, 2026, [ReviewAnswer(2, "maybe"), ReviewAnswer(3, "yes", "x" * 10_001)], "")
    fields = [field for field, _ in refused.value.problems]
    assert fields == ["answer-2", "evidence-3", "statement"]
    assert "'maybe' is not an answer to 'Policy in line with current legislation'" in refused.value.problems[0][1]
    assert events(school) == []
    with pytest.raises(BadInput, match="no point 27"):
        answer_review(school, HEAD, 2026, [ReviewAnswer(27, "yes")])


def test_the_next_review_date_is_set_only_when_all_three_have_signed(school):
    app = school
    answered(app)
    first = sign_review(app, COORDINATOR, 2026, "coordinator")
    assert first.next_review is None and first.waiting_for == ("the headteacher", "the nominated director")
    second = sign_review(app, HEAD, 2026, "headteacher")
    assert second.next_review is None and next_review_date(app) is None
    assert review_sheet(app, 2026).next_review is None
    app.clock.set(MONDAY + timedelta(days=1))
    third = sign_review(app, DIRECTOR, 2026, "nominated_director")
    assert third.next_review == date(2027, 11, 24) == next_review_date(app)
    sheet = review_sheet(app, 2026)
    assert sheet.complete and sheet.signed_off_on == date(2026, 11, 24) and sheet.next_review == date(2027, 11, 24)
    assert [s.name for s in sheet.signatures] == ["Cora Coordinator", "Helen Head", "Dora Director"]
    signed = [e for e in events(app) if e.kind == "signed"]
    assert [(e.actor, e.capacity) for e in signed] == [
        (COORDINATOR, "coordinator"),
        (HEAD, "headteacher"),
        (DIRECTOR, "nominated_director"),
    ]
    assert "the next is due on 24 November 2027" in sheet.record[0].what
    with pytest.raises(Refused, match="signed off: its answers can no longer be changed"):
        answer_review(app, HEAD, 2026, [ReviewAnswer(1, "no")])


def test_a_reviewer_cannot_sign_twice_nor_for_another_role_nor_before_every_point_is_answered(school):
    app = school
    answer_review(app, HEAD, 2026, everything()[:-1])
    with pytest.raises(Refused, match=r"point 26 \('Associated policies in place and up to date'\) is not answered"):
        sign_review(app, HEAD, 2026, "headteacher")
    answer_review(app, HEAD, 2026, everything()[-1:])
    with pytest.raises(Refused, match="statement"):
        sign_review(app, HEAD, 2026, "headteacher")
    answered(app)
    sign_review(app, HEAD, 2026, "headteacher")
    with pytest.raises(Refused, match="The headteacher has already signed"):
        sign_review(app, HEAD, 2026, "headteacher")
    with pytest.raises(NotAllowed, match="Helen Head is not the nominated director"):
        sign_review(app, HEAD, 2026, "nominated_director")
    with pytest.raises(NotAllowed, match="is not the e-Safety coordinator"):
        sign_review(app, CHAIR, 2026, "coordinator")  # the chair is not the nominated director either
    with pytest.raises(BadInput, match="not one of the reviewers the policy names"):
        sign_review(app, HEAD, 2026, "chair")
    assert [e.capacity for e in events(app) if e.kind == "signed"] == ["headteacher"]


def test_one_person_holding_two_reviewer_roles_signs_once(school):
    app = school
    add_person(app, "Hana Both", "both@school.example", ["headteacher", "coordinator"])
    answered(app)
    sign_review(app, "both@school.example", 2026, "headteacher")
    with pytest.raises(Refused, match="already signed the review of 2026 as the headteacher: the policy's three reviewers"):
        sign_review(app, "both@school.example", 2026, "coordinator")


def test_an_answer_changed_after_a_signature_asks_that_reviewer_to_sign_again(school):
    app = school
    answered(app)
    sign_review(app, COORDINATOR, 2026, "coordinator")
    answer_review(app, HEAD, 2026, [ReviewAnswer(9, "no", "Staff briefing missed")])
    coordinator = review_sheet(app, 2026).signatures[0]
    assert (coordinator.name, coordinator.withdrawn_by_change) == ("", True)
    sign_review(app, COORDINATOR, 2026, "coordinator")  # signs what is there now
    assert review_sheet(app, 2026).signatures[0].name == "Cora Coordinator"


def test_staff_and_the_chair_may_not_answer(school):
    with pytest.raises(NotAllowed, match="only the e-Safety coordinator, the headteacher and the nominated director"):
        answer_review(school, SAM, 2026, everything())
    with pytest.raises(NotAllowed):
        answer_review(school, CHAIR, 2026, everything())
    with pytest.raises(NotAllowed):
        sign_review(school, SAM, 2026, "headteacher")
    assert events(school) == []


def test_next_years_checklist_reads_the_sign_off_as_the_policy_reviewed(school):
    app = school
    answered(app)
    for who, capacity in ((COORDINATOR, "coordinator"), (HEAD, "headteacher"), (DIRECTOR, "nominated_director")):
        sign_review(app, who, 2026, capacity)
    app.clock.set(datetime(2027, 3, 2, 10, tzinfo=MONDAY.tzinfo))
    reviewed = review_sheet(app, 2027).items[0]
    assert (reviewed.answer_label, reviewed.from_data) == ("Yes", True)
    assert "The review of 2026 was signed off in Redress on 23 November 2026" in reviewed.evidence


def test_the_reminder_comes_on_the_date_the_sign_off_set(school):
    app = school
    answered(app)
    for who, capacity in ((COORDINATOR, "coordinator"), (HEAD, "headteacher"), (DIRECTOR, "nominated_director")):
        sign_review(app, who, 2026, capacity)
    app.clock.set(datetime(2027, 3, 1, 10, tzinfo=MONDAY.tzinfo))  # the settings' date (03-01) no longer holds
    assert send_review_if_due(app) == 0
    app.clock.set(datetime(2027, 11, 23, 10, tzinfo=MONDAY.tzinfo))
    assert send_review_if_due(app) > 0
    with app.db.reading() as session:
        body = session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.template == "policy_review")).first()
    assert body is not None and "23 November 2027" in body
