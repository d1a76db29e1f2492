"""The rules of a case (engine.rules.actions) with no database: every refusal, in the words a person reads.

The workflow is the small one of tests/unit/workflow_base.py with one action that has a field of each
type, so the messages asserted here do not move when the shipped workflows.yaml does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from engine.errors import BadInput, Conflict, Refused
from engine.rules import actions as rules
from engine.rules.inputs import TEXT_MAX
from tests.unit.workflow_base import workflow
from workflows import GUARDS, CaseFacts, Notification, load_text

MEET = """\
  meet:
    title: Record the meeting
    from: reported
    to: with_chair
    roles: [head]
    guards: [meeting_recorded, removal_confirmed]
    fields:
      met_on: {label: Date of the meeting, type: date}
      how: {label: How they were invited, type: choice, choices: [letter, email]}
      removed: {label: The posts were removed, type: yes_no}
      note: {label: Anything else, required: false}
  close:
"""
SPEC = load_text(workflow(("  close:\n", MEET))).spec
MEET_ACTION = SPEC.actions["meet"]
CLOSE_ACTION = SPEC.actions["close"]
GOOD = {"met_on": "2026-11-23", "how": "letter", "removed": "yes"}


def refusal(call: Any, *args: Any) -> str:
    with pytest.raises(Refused) as caught:
        call(*args)
    return str(caught.value)


# --- check_action: may this person take this action from this stage? ----------------------------


def test_an_action_the_workflow_has_not_is_refused_with_a_near_name_and_what_can_be_taken():
    assert refusal(rules.check_action, SPEC, "reported", "escalte", ["head"]) == (
        "there is no action 'escalte' (did you mean 'escalate'?); at 'Reported' you can take: 'Escalate to the chair', 'Record the meeting', 'Close'"
    )


def test_an_unknown_action_from_a_final_stage_says_nothing_can_be_taken():
    assert refusal(rules.check_action, SPEC, "closed", "reopen", ["head"]) == (
        "there is no action 'reopen'; at 'Closed' you can take: nothing"
    )


def test_an_action_from_the_wrong_stage_is_refused_with_the_stage_title_and_the_actions_there():
    assert refusal(rules.check_action, SPEC, "with_chair", "escalate", ["head"]) == (
        "'Escalate to the chair' cannot be taken while the case is at 'With the chair'; from there you can take: 'Close'"
    )


def test_an_action_by_a_role_not_given_it_is_refused_naming_who_may():
    assert refusal(rules.check_action, SPEC, "reported", "escalate", ["chair", "coordinator"]) == (
        "'Escalate to the chair' may be taken only by Headteacher or Redress; you are Chair or coordinator"
    )


def test_an_action_by_someone_with_no_role_says_none():
    assert (
        refusal(rules.check_action, SPEC, "reported", "meet", [])
        == "'Record the meeting' may be taken only by Headteacher; you are no role"
    )


def test_a_permitted_action_is_returned():
    assert rules.check_action(SPEC, "with_chair", "close", ["chair"]) is CLOSE_ACTION
    assert rules.check_action(SPEC, "reported", "escalate", ["system"]) is SPEC.actions["escalate"]


# --- check_open: a closed case, a stale version ------------------------------------------------


@dataclass(frozen=True)
class Row:
    id: int = 7
    stage: str = "reported"
    version: int = 3
    closed_at: datetime | None = None
    outcome: str | None = None


def test_a_closed_case_refuses_every_action_and_says_how_it_ended():
    closed = Row(closed_at=datetime(2026, 11, 23, tzinfo=UTC), outcome="Resolved")
    assert refusal(rules.check_open, closed, None) == "case 7 is closed (Resolved): nothing more can be done on it"


def test_acting_on_a_version_no_longer_current_is_a_conflict_saying_where_the_case_is_now():
    with pytest.raises(Conflict) as caught:
        rules.check_open(Row(), 2)
    assert str(caught.value) == "case 7 changed since you looked (it is now at 'reported'): look at it again"


def test_an_open_case_at_the_version_seen_or_with_no_version_given_may_be_acted_on():
    rules.check_open(Row(), 3)
    rules.check_open(Row(), None)


# --- parse_fields: each field type, required and optional, bad values, lengths --------------------


def test_good_fields_are_converted_and_an_optional_one_left_out_is_absent():
    assert rules.parse_fields("meet", MEET_ACTION, GOOD) == {"met_on": "2026-11-23", "how": "letter", "removed": True}


def test_a_text_field_is_trimmed_and_an_optional_blank_one_is_left_out():
    values = rules.parse_fields("meet", MEET_ACTION, {**GOOD, "note": "  called twice  "})
    assert values["note"] == "called twice"
    assert "note" not in rules.parse_fields("meet", MEET_ACTION, {**GOOD, "note": "   "})


def test_a_text_field_may_be_as_long_as_the_limit_and_no_longer():
    at_limit = "x" * TEXT_MAX
    assert rules.parse_fields("meet", MEET_ACTION, {**GOOD, "note": at_limit})["note"] == at_limit
    assert refusal(rules.parse_fields, "meet", MEET_ACTION, {**GOOD, "note": at_limit + "x"}) == (
        "'Anything else': the value is 10001 characters long: keep it to 10000"
    )


@pytest.mark.parametrize(
    "missing, example",
    [
        ("met_on", "met_on=YYYY-MM-DD"),
        ("how", "how='letter'|'email'"),
        ("removed", "removed=yes|no"),
    ],
)
def test_a_required_field_left_out_says_how_to_give_it(missing: str, example: str):
    label = MEET_ACTION.fields[missing].label
    given = {k: v for k, v in GOOD.items() if k != missing}
    assert refusal(rules.parse_fields, "meet", MEET_ACTION, given) == f"'{label}' is required (field {example})"


def test_a_required_text_field_given_blank_is_required():
    assert refusal(rules.parse_fields, "close", CLOSE_ACTION, {"reason": "  "}) == (
        "'Why it is closed' is required (field reason='...')"
    )


def test_a_date_must_be_written_as_an_iso_date():
    assert refusal(rules.parse_fields, "meet", MEET_ACTION, {**GOOD, "met_on": "23/11/2026"}) == (
        "'Date of the meeting': '23/11/2026' is not a date: write it as YYYY-MM-DD"
    )
    assert refusal(rules.parse_fields, "meet", MEET_ACTION, {**GOOD, "met_on": "2026-02-30"}) == (
        "'Date of the meeting': '2026-02-30' is not a date: write it as YYYY-MM-DD"
    )


def test_a_choice_is_matched_without_regard_to_case_and_given_back_as_the_workflow_spells_it():
    assert rules.parse_fields("meet", MEET_ACTION, {**GOOD, "how": " EMAIL "})["how"] == "email"


def test_a_choice_not_offered_names_the_choices_and_the_nearest():
    assert refusal(rules.parse_fields, "meet", MEET_ACTION, {**GOOD, "how": "leter"}) == (
        "'How they were invited': 'leter' is not one of 'letter', 'email' (did you mean 'letter'?)"
    )
    assert refusal(rules.parse_fields, "meet", MEET_ACTION, {**GOOD, "how": "fax"}) == (
        "'How they were invited': 'fax' is not one of 'letter', 'email'"
    )


@pytest.mark.parametrize(
    "given, meant",
    [
        (True, True),
        (False, False),
        ("yes", True),
        ("Y", True),
        ("true", True),
        ("1", True),
        ("no", False),
        ("N", False),
        ("FALSE", False),
        ("0", False),
    ],
)
def test_yes_or_no_takes_the_usual_words_and_booleans(given: Any, meant: bool):
    assert rules.parse_fields("meet", MEET_ACTION, {**GOOD, "removed": given})["removed"] is meant


def test_yes_or_no_refuses_anything_else():
    assert refusal(rules.parse_fields, "meet", MEET_ACTION, {**GOOD, "removed": "maybe"}) == (
        "'The posts were removed': 'maybe' is not yes or no"
    )


def test_a_field_the_action_has_not_is_named_with_the_nearest_and_the_fields_it_has():
    assert refusal(rules.parse_fields, "meet", MEET_ACTION, {**GOOD, "met": "2026-11-23"}) == (
        "'Record the meeting' has no field 'met' (did you mean 'met_on'?) (its fields: 'met_on', 'how', 'removed', 'note')"
    )


def test_an_action_without_fields_says_so_when_given_one():
    assert refusal(rules.parse_fields, "escalate", SPEC.actions["escalate"], {"why": "x"}) == (
        "'Escalate to the chair' has no field 'why' (its fields: none)"
    )


def test_every_problem_with_the_fields_is_named_at_once():
    message = refusal(rules.parse_fields, "meet", MEET_ACTION, {"extra": "1", "met_on": "soon", "how": "fax"})
    assert message.split("; ") == [
        "'Record the meeting' has no field 'extra' (its fields: 'met_on', 'how', 'removed', 'note')",
        "'Date of the meeting': 'soon' is not a date: write it as YYYY-MM-DD",
        "'How they were invited': 'fax' is not one of 'letter', 'email'",
        "'The posts were removed' is required (field removed=yes|no)",
    ]


# --- guards -----------------------------------------------------------------------------------

READY = CaseFacts(
    "reported", ("rude",), evidence_count=1, meeting_count=1, facts={"confirm_removal": {"removal_confirmed": True}}
)


def test_an_allegation_against_staff_is_known_by_its_category():
    guard = GUARDS["allegation_against_staff"]
    assert guard.holds(replace(READY, categories=("staff_offensive", "staff_allegation")))
    assert not guard.holds(READY) and guard.fixed


@pytest.mark.parametrize(
    "guard, unmet",
    [
        ("has_evidence", replace(READY, evidence_count=0)),
        ("meeting_recorded", replace(READY, meeting_count=0)),
        ("removal_confirmed", replace(READY, facts={})),
        ("removal_confirmed", replace(READY, facts={"confirm_removal": {"removal_confirmed": False}})),
        # Checked again later and found back up: the latest answer counts.
        (
            "removal_confirmed",
            replace(READY, facts={"confirm_removal": {"removal_confirmed": True}, "recheck": {"removal_confirmed": False}}),
        ),
    ],
)
def test_each_guard_holds_when_its_fact_is_there_and_not_when_it_is_missing(guard: str, unmet: CaseFacts):
    assert GUARDS[guard].holds(READY)
    assert not GUARDS[guard].holds(unmet)


def test_answers_are_kept_per_action_so_one_reason_never_hides_another():
    facts = CaseFacts(
        "chair_meeting",
        facts={"record_meeting_outcome": {"reason": "upset about the trip"}, "escalate_to_chair": {"reason": "posted again"}},
    )
    assert facts.answer("record_meeting_outcome", "reason") == "upset about the trip"
    assert facts.answer("escalate_to_chair", "reason") == "posted again"
    assert facts.latest("reason") == "posted again"
    assert facts.answer("give_warning", "method") is None


def test_every_registered_guard_is_tested_here():
    assert set(GUARDS) == {"has_evidence", "meeting_recorded", "removal_confirmed", "allegation_against_staff"}


def test_a_failing_guard_says_what_to_do_first():
    assert refusal(rules.check_guards, "close", CLOSE_ACTION, replace(READY, evidence_count=0)) == (
        "'Close' cannot be taken yet: the case has no evidence yet: add a screenshot or a link first"
    )


def test_every_failing_guard_is_named_in_the_workflows_order():
    assert refusal(rules.check_guards, "meet", MEET_ACTION, CaseFacts("reported")) == (
        "'Record the meeting' cannot be taken yet: no meeting is recorded on the case yet: record the meeting first; "
        "the removal of the posts has not been confirmed: record that the posts were removed first"
    )


def test_guards_that_hold_let_the_action_through():
    rules.check_guards("meet", MEET_ACTION, READY)


# --- categories, notifications, email addresses ---------------------------------------------------


def test_a_case_needs_a_category_and_is_told_which_there_are():
    assert refusal(rules.check_categories, SPEC, []) == "choose at least one category: what kind of post it is"


def test_an_unknown_category_is_named_with_the_nearest_each_time():
    assert refusal(rules.check_categories, SPEC, ["rudee", "rude", "spam"]) == (
        "there is no category 'rudee' (did you mean 'rude'?); there is no category 'spam'. The categories: rude (Rude comment); threat (Threat)"
    )


def test_known_categories_are_kept_in_order_once_each():
    assert rules.check_categories(SPEC, ["threat", "rude", "threat"]) == ["threat", "rude"]


def test_a_notification_applies_to_every_case_unless_it_names_categories_or_flags():
    assert rules.applies(SPEC, Notification(template="t", to=("head",)), ["rude"])


def test_a_notification_for_categories_applies_only_to_cases_with_one_of_them():
    only_rude = Notification(template="t", to=("head",), if_category=("rude",))
    assert rules.applies(SPEC, only_rude, ["threat", "rude"])
    assert not rules.applies(SPEC, only_rude, ["threat"])


def test_a_notification_for_a_flag_applies_when_a_category_has_it():
    authorities = Notification(template="t", to=("head",), if_flag=("authorities",))
    assert rules.applies(SPEC, authorities, ["threat"])
    assert not rules.applies(SPEC, authorities, ["rude"])
    assert not rules.applies(SPEC, Notification(template="t", to=("head",), if_flag=("prejudice",)), ["threat", "rude"])


def test_an_email_address_is_trimmed_and_lowered():
    assert rules.check_email("  Head@School.Example ") == "head@school.example"


@pytest.mark.parametrize(
    "bad", ["head", "head@school", "a b@school.example", "<head@school.example>", "a@b@c.example", "x" * 310 + "@school.example"]
)
def test_a_malformed_email_address_is_refused_in_one_line(bad: str):
    """By notifications.check_address, the one email rule of every door."""
    with pytest.raises(BadInput) as caught:
        rules.check_email(bad)
    assert "\n" not in str(caught.value) and "@" in str(caught.value)


def test_a_past_date_field_after_today_is_refused_by_the_input_rules():
    met_on = MEET_ACTION.fields["met_on"].model_copy(update={"past": True})
    action = MEET_ACTION.model_copy(update={"fields": {**MEET_ACTION.fields, "met_on": met_on}})
    today = date(2026, 11, 23)
    assert rules.parse_fields("meet", action, GOOD, today)["met_on"] == "2026-11-23"
    assert refusal(rules.parse_fields, "meet", action, {**GOOD, "met_on": "2026-11-24"}, today) == (
        "'Date of the meeting': the date 2026-11-24 is in the future (today is 2026-11-23): give the day it happened"
    )
    assert rules.parse_fields("meet", MEET_ACTION, {**GOOD, "met_on": "2026-11-24"}, today)["met_on"] == "2026-11-24"
    assert refusal(rules.parse_fields, "meet", MEET_ACTION, {**GOOD, "met_on": "1999-12-31"}) == (
        "'Date of the meeting': the date 1999-12-31 is outside the years 2000-2100"
    )


def test_an_input_refusal_names_the_field_a_form_links_it_to():
    from engine.rules import inputs

    with pytest.raises(BadInput) as caught, inputs.about("link"):
        inputs.url("javascript:alert(1)")
    assert caught.value.problems == (("link", str(caught.value)),)
    with pytest.raises(BadInput) as kept, inputs.about("outer"), inputs.about("inner"):
        inputs.name("")
    assert kept.value.problems == (("inner", "the name is empty"),)
