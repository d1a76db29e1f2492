"""When repeats, the daily digest, the policy review and the worker's next wake-up are due: no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engine.rules.school_days import SchoolCalendar
from engine.rules.timing import digest_due, due_soon_until, next_repeat, next_wake, review_due
from engine.settings import Settings
from workflows.spec import Duration

CALENDAR = SchoolCalendar()  # England, no term dates: weekdays that are not bank holidays
ONE_SCHOOL_DAY = Duration.model_validate("1 school day")
TUESDAY_9 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_a_reminder_fired_on_time_repeats_counted_from_its_due_time():
    assert next_repeat(CALENDAR, TUESDAY_9, ONE_SCHOOL_DAY, TUESDAY_9 + timedelta(seconds=2)) == at("2026-11-25T09:00Z")


def test_a_friday_reminder_repeats_on_monday():
    friday = at("2026-11-27T09:00Z")
    assert next_repeat(CALENDAR, friday, ONE_SCHOOL_DAY, friday) == at("2026-11-30T09:00Z")


def test_a_reminder_fired_late_repeats_after_now_not_in_a_burst_of_catch_ups():
    thursday_afternoon = at("2026-11-26T15:00Z")
    assert next_repeat(CALENDAR, TUESDAY_9, ONE_SCHOOL_DAY, thursday_afternoon) == at("2026-11-27T09:00Z")


FIVE_SCHOOL_DAYS = Duration.model_validate("5 school days")


def test_a_reminder_fired_a_week_late_repeats_a_whole_interval_after_now_though_its_old_slot_is_ahead():
    # Due Monday 09:00 (in London, GMT in November); the worker was stopped and fires it the next Monday at 08:00,
    # an hour before the old next slot (Monday 09:00): it comes round five school days later, not in an hour.
    monday_9, next_monday_8 = at("2026-11-23T09:00Z"), at("2026-11-30T08:00Z")
    assert next_repeat(CALENDAR, monday_9, FIVE_SCHOOL_DAYS, next_monday_8) == at("2026-12-07T09:00Z")


def test_a_reminder_fired_late_after_its_old_slot_repeats_an_interval_after_now():
    monday_9, wednesday_11 = at("2026-11-23T09:00Z"), at("2026-12-02T11:00Z")
    assert next_repeat(CALENDAR, monday_9, FIVE_SCHOOL_DAYS, wednesday_11) == at("2026-12-09T09:00Z")


def test_a_reminder_fired_within_the_grace_keeps_its_rhythm():
    monday_9 = at("2026-11-23T09:00Z")
    assert next_repeat(CALENDAR, monday_9, FIVE_SCHOOL_DAYS, monday_9 + timedelta(minutes=4)) == at("2026-11-30T09:00Z")


def test_a_reminder_fired_just_past_the_grace_is_late():
    monday_9 = at("2026-11-23T09:00Z")
    late = monday_9 + timedelta(minutes=6)
    assert next_repeat(CALENDAR, monday_9, FIVE_SCHOOL_DAYS, late) == at("2026-11-30T09:00Z")  # same school-day slot either way
    hourly = Duration.model_validate("2 hours")
    assert next_repeat(CALENDAR, monday_9, hourly, late) == late + timedelta(hours=2)
    assert next_repeat(CALENDAR, monday_9, hourly, monday_9 + timedelta(minutes=4)) == monday_9 + timedelta(hours=2)


def settings(**values: object) -> Settings:
    return Settings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "last_sent", "due"),
    [
        ("2026-11-24T07:29+00:00", None, False),  # before 07:30
        ("2026-11-24T07:30+00:00", None, True),
        ("2026-11-24T16:00+00:00", "2026-11-24T07:30+00:00", False),  # already sent today
        ("2026-11-24T07:30+00:00", "2026-11-23T07:30+00:00", True),  # sent yesterday
        ("2026-11-28T07:30+00:00", None, False),  # Saturday
        ("2026-12-25T07:30+00:00", None, False),  # Christmas Day, a bank holiday
        ("2026-06-02T06:30+00:00", None, True),  # 07:30 in London in summer time
        ("2026-06-02T06:29+00:00", None, False),
    ],
)
def test_daily_digest_is_due_once_each_school_day_from_its_time(now: str, last_sent: str | None, due: bool):
    sent = at(last_sent) if last_sent else None
    assert digest_due(CALENDAR, settings(), at(now), sent) is due


def test_daily_digest_switched_off_is_never_due():
    assert not digest_due(CALENDAR, settings(digest_enabled=False), at("2026-11-24T12:00Z"), None)


@pytest.mark.parametrize(
    ("now", "last_sent", "review"),
    [
        ("2027-03-01T08:59+00:00", None, None),  # before deadline_time on the day
        ("2027-03-01T09:00+00:00", None, date(2027, 3, 1)),
        ("2027-03-10T12:00+00:00", None, date(2027, 3, 1)),  # missed on the day: still sent within two weeks
        ("2027-03-20T12:00+00:00", None, None),  # too late to be useful: wait for next year
        ("2027-03-02T09:00+00:00", "2027-03-01T09:00+00:00", None),  # sent already
        ("2027-03-01T09:00+00:00", "2026-03-01T09:00+00:00", date(2027, 3, 1)),  # sent last year
        ("2026-11-24T09:00+00:00", None, None),  # a school starting in November gets no stale reminder
    ],
)
def test_policy_review_reminder_is_due_once_on_its_date(now: str, last_sent: str | None, review: date | None):
    sent = at(last_sent) if last_sent else None
    assert review_due(CALENDAR, settings(), at(now), sent) == review


def test_policy_review_on_29_february_falls_on_the_28th_in_other_years():
    leap_day = settings(policy_review_date="02-29")
    assert review_due(CALENDAR, leap_day, at("2027-02-28T09:00Z"), None) == date(2027, 2, 28)
    assert review_due(CALENDAR, leap_day, at("2028-02-28T09:00Z"), None) is None
    assert review_due(CALENDAR, leap_day, at("2028-02-29T09:00Z"), None) == date(2028, 2, 29)


def test_policy_review_switched_off_is_never_due():
    assert review_due(CALENDAR, settings(policy_review_enabled=False), at("2027-03-01T09:00Z"), None) is None


def test_due_soon_means_within_five_school_days():
    monday = at("2026-11-23T10:00Z")
    assert due_soon_until(CALENDAR, monday) == at("2026-12-01T00:00Z")  # the end of next Monday


def test_the_worker_wakes_at_the_earliest_deadline_or_retries_one_left_due():
    now = TUESDAY_9
    assert next_wake(None, now, retry_after=timedelta(seconds=1)) is None
    assert next_wake(now + timedelta(hours=3), now, retry_after=timedelta(seconds=1)) == now + timedelta(hours=3)
    assert next_wake(now - timedelta(hours=3), now, retry_after=timedelta(seconds=1)) == now + timedelta(seconds=1)
