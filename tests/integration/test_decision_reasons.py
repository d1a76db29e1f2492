"""Decisions that escalate or refer a case are recorded with their reason (KCSIE asks for decisions and their
reasons); when a deadline escalates a case, Redress records the deadline that passed as the reason. The
removal a successful outcome needs is confirmed by whatever track stage the workflow says establishes it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.errors import Refused
from engine.queries import cases as queries
from engine.worker.firing import fire_due
from tests.conftest import CHAIR
from tests.integration.helpers import act, open_case
from tests.integration.test_email_sight import outbox

NEXT_MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("action", "fields", "said"),
    [
        ("refer_to_authorities", {"authority": "police"}, "'Why the matter goes to the authorities' is required"),
        ("escalate_to_chair", {}, "'Why the case goes to the chair' is required"),
    ],
)
def test_a_person_escalating_or_referring_a_case_gives_the_reason(app, action, fields, said):
    case_id = open_case(app)
    with pytest.raises(Refused) as refused:
        act(app, case_id, action, **fields)
    assert said in str(refused.value)
    act(app, case_id, action, **fields, reason="The posts name a pupil and continue")
    assert queries.show_case(app, case_id).facts[action]["reason"] == "The posts name a pupil and continue"


def test_a_deadline_escalating_a_case_records_the_deadline_that_passed_as_its_reason(app):
    case_id = open_case(app)
    app.clock.set(NEXT_MONDAY_9)  # type: ignore[attr-defined]
    assert fire_due(app).escalations == 1
    view = queries.show_case(app, case_id)
    assert view.stage == "chair_meeting"
    reason = view.facts["escalate_to_chair"]["reason"]
    assert reason.startswith("no one took the next step in time: the deadline 'unacknowledged escalation' passed on")
    (chair,) = [row for row in outbox(app, case_id) if row.recipient_email == CHAIR]
    assert f"Reason given: {reason}" in chair.body_text
