"""The rules of tracks with no database: routing an action, what a case offers, what stands paused, the time
a paused deadline has left, and who gets which urgent email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.rules import notices
from engine.rules.school_days import SchoolCalendar
from engine.rules.timing import resumed_due
from engine.rules.tracks import offered, paused_by, route
from engine.settings import Settings
from tests.conftest import WORKFLOW
from workflows import Unit, load
from workflows.spec import Duration

SPEC = load(WORKFLOW).spec
CALENDAR = SchoolCalendar.from_settings(Settings())
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FIVE_SCHOOL_DAYS = Duration.model_validate("5 school days")


def test_an_action_is_routed_to_the_procedure_that_declares_it():
    assert route(SPEC, "acknowledge").track is None
    assert route(SPEC, "record_police_outcome").track == "police"
    started = route(SPEC, "start_platform")
    assert started is not None and started.starts and started.track == "platform"
    assert route(SPEC, "start_removal") is None  # the removal track starts only with the meeting's outcome
    assert route(SPEC, "nonsense") is None


def test_a_case_offers_its_own_actions_its_running_tracks_and_the_starts_of_the_others():
    names = [r.name for r in offered(SPEC, "reported", {"police": "with_police"})]
    assert "record_police_outcome" in names and "start_police" not in names
    assert {"start_platform", "start_lado", "acknowledge"} <= set(names)
    assert not any(r.starts for r in offered(SPEC, "resolved", {}))


def test_the_police_waiting_stage_pauses_the_main_procedure_and_its_outcome_does_not():
    assert paused_by(SPEC, {"police": "with_police", "platform": "reported_to_platform"}) == {"main": ["police"]}
    assert paused_by(SPEC, {"police": "police_outcome"}) == {}


def test_a_school_day_deadline_resumes_with_the_school_days_it_had_left():
    due = CALENDAR.due(MONDAY_10, FIVE_SCHOOL_DAYS)  # the next Monday, 09:00
    resumed_on = MONDAY_10 + timedelta(days=2)  # paused on Monday, resumed on Wednesday
    assert resumed_due(CALENDAR, Unit.SCHOOL_DAYS, MONDAY_10, due, resumed_on) == CALENDAR.due(resumed_on, FIVE_SCHOOL_DAYS)


def test_an_hours_deadline_resumes_with_the_elapsed_time_it_had_left():
    paused, due = MONDAY_10, MONDAY_10 + timedelta(hours=2)
    assert resumed_due(CALENDAR, Unit.HOURS, paused, due, MONDAY_10 + timedelta(days=1)) == MONDAY_10 + timedelta(days=1, hours=2)


def test_the_safety_email_replaces_the_reassurance_and_each_person_hears_once_urgently():
    wanted = [
        ("new_case", "head"),
        ("staff_reassurance", "sam"),
        ("violence_threat", "head"),
        ("violence_threat", "chair"),
        ("staff_safety", "sam"),
        ("authorities_referral", "chair"),
        ("authorities_referral", "sam"),
    ]
    assert notices.choose(wanted, ()) == [
        ("violence_threat", "head"),
        ("violence_threat", "chair"),
        ("staff_safety", "sam"),
    ]


def test_one_email_per_person_per_command_the_first_the_workflow_lists_for_them():
    wanted = [("new_case", "head"), ("prejudice_case", "head"), ("prejudice_case", "esme"), ("new_case", "dsl")]
    assert notices.choose(wanted, ()) == [("new_case", "head"), ("prejudice_case", "esme"), ("new_case", "dsl")]


def test_no_second_urgent_email_in_a_later_command():
    assert notices.choose([("authorities_referral", "chair"), ("authority_outcome", "chair")], {"chair"}) == [
        ("authority_outcome", "chair")
    ]
