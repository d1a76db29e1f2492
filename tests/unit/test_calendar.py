"""The school-day calendar, deadlines across holidays and clock changes, the .ics reader, and the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from engine.errors import BadInput
from engine.rules.clock import FixedClock, SystemClock, parse_instant
from engine.rules.school_days import SchoolCalendar, read_ics
from engine.settings import Settings
from workflows.spec import Duration

LONDON = "Europe/London"

# An English school's 2025-26 year: six terms with the usual half-terms between them.
TERMS_2025_26 = [
    (date(2025, 9, 3), date(2025, 10, 24)),
    (date(2025, 11, 3), date(2025, 12, 19)),
    (date(2026, 1, 5), date(2026, 2, 13)),
    (date(2026, 2, 23), date(2026, 3, 27)),
    (date(2026, 4, 13), date(2026, 5, 22)),
    (date(2026, 6, 1), date(2026, 7, 22)),
]


def school(*, closures: tuple[date, ...] = (), nation: str = "england") -> SchoolCalendar:
    return SchoolCalendar(timezone=LONDON, nation=nation, terms=TERMS_2025_26, closures=closures)


def weekdays_only(nation: str = "england") -> SchoolCalendar:
    return SchoolCalendar(timezone=LONDON, nation=nation)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def after(text: str) -> Duration:
    return Duration.model_validate(text)


# Which days count


def test_weekends_are_not_school_days() -> None:
    assert not school().is_school_day(date(2025, 9, 6))
    assert not school().is_school_day(date(2025, 9, 7))
    assert school().is_school_day(date(2025, 9, 8))


def test_last_day_of_term_counts_and_the_first_day_of_the_holiday_does_not() -> None:
    assert school().is_school_day(date(2025, 12, 19))
    assert not school().is_school_day(date(2025, 12, 22))


def test_half_term_weekdays_are_not_school_days() -> None:
    half_term = [date(2025, 10, 27) + timedelta(days=n) for n in range(5)]
    assert not any(school().is_school_day(day) for day in half_term)


def test_an_inset_day_in_term_is_not_a_school_day() -> None:
    inset = date(2026, 1, 5)
    assert school().is_school_day(inset)
    assert not school(closures=(inset,)).is_school_day(inset)


def test_a_bank_holiday_in_term_is_not_a_school_day() -> None:
    may_day = date(2026, 5, 4)
    assert school().bank_holiday(may_day) == "May Day"
    assert not school().is_school_day(may_day)


def test_st_andrews_day_is_a_holiday_in_scotland_only() -> None:
    st_andrews = date(2026, 11, 30)  # a Monday
    assert not weekdays_only("scotland").is_school_day(st_andrews)
    assert weekdays_only("england").is_school_day(st_andrews)


def test_easter_monday_is_a_holiday_in_every_nation_but_scotland() -> None:
    easter_monday = date(2026, 4, 6)
    assert weekdays_only("scotland").is_school_day(easter_monday)
    for nation in ("england", "wales", "northern_ireland"):
        assert not weekdays_only(nation).is_school_day(easter_monday)


def test_st_patricks_day_is_a_holiday_in_northern_ireland_only() -> None:
    st_patricks = date(2026, 3, 17)
    assert not weekdays_only("northern_ireland").is_school_day(st_patricks)
    assert weekdays_only("wales").is_school_day(st_patricks)


def test_bank_holidays_are_known_for_any_year_without_a_list() -> None:
    assert weekdays_only().bank_holiday(date(2031, 12, 25)) == "Christmas Day"


def test_without_term_dates_every_weekday_but_bank_holidays_counts_and_the_calendar_says_so() -> None:
    calendar = weekdays_only()
    assert calendar.is_school_day(date(2026, 8, 12))  # the summer holiday, unknown to the calendar
    assert (
        "No term dates configured: every weekday that is not a bank holiday (England) counts as a school day"
        in calendar.describe()
    )


def test_after_the_last_configured_term_weekdays_count_again_and_the_calendar_warns() -> None:
    assert school().is_school_day(date(2026, 9, 7))
    assert any("add the next year's term dates before 2026-07-22" in line for line in school().describe())


def test_an_unknown_nation_is_refused() -> None:
    with pytest.raises(BadInput, match="unknown nation 'atlantis'"):
        SchoolCalendar(nation="atlantis")


# When deadlines fall due


def test_three_school_days_from_a_friday_afternoon_in_half_term_is_the_wednesday_after() -> None:
    friday_in_half_term = utc(2025, 10, 31, 15, 30)
    assert school().due(friday_in_half_term, after("3 school days")) == utc(2025, 11, 5, 9)


def test_an_inset_day_after_half_term_pushes_the_deadline_one_day() -> None:
    calendar = school(closures=(date(2025, 11, 3),))
    assert calendar.due(utc(2025, 10, 31, 15, 30), after("3 school days")) == utc(2025, 11, 6, 9)


def test_school_days_skip_the_christmas_holiday_and_the_new_year_inset_day() -> None:
    calendar = school(closures=(date(2026, 1, 5),))
    assert calendar.due(utc(2025, 12, 18, 11), after("2 school days")) == utc(2026, 1, 6, 9)


def test_school_days_are_counted_from_the_local_date_not_the_utc_date() -> None:
    just_after_midnight_on_tuesday_bst = utc(2026, 6, 8, 23, 30)
    assert school().due(just_after_midnight_on_tuesday_bst, after("1 school day")) == utc(2026, 6, 10, 8)


def test_a_deadline_across_the_march_clock_change_falls_at_nine_local_time() -> None:
    thursday_before_bst = utc(2026, 3, 26, 10)
    due = weekdays_only().due(thursday_before_bst, after("2 school days"))
    assert due == utc(2026, 3, 30, 8)  # 09:00 BST
    assert due.astimezone(SchoolCalendar().zone).time() == time(9)


def test_a_deadline_across_the_october_clock_change_falls_at_nine_local_time() -> None:
    friday_in_bst = utc(2026, 10, 23, 12)
    due = weekdays_only().due(friday_in_bst, after("1 school day"))
    assert due == utc(2026, 10, 26, 9)  # 09:00 GMT


def test_calendar_days_landing_on_a_saturday_wait_for_monday_morning() -> None:
    thursday = utc(2026, 3, 5, 15)
    assert weekdays_only().due(thursday, after("2 days")) == utc(2026, 3, 9, 8)


def test_calendar_days_landing_on_a_weekday_fall_at_the_deadline_time() -> None:
    assert weekdays_only().due(utc(2026, 3, 2, 15), after("2 days")) == utc(2026, 3, 4, 9)


def test_hours_running_into_the_night_wait_for_the_morning() -> None:
    tuesday_evening = utc(2026, 3, 3, 20)
    assert weekdays_only().due(tuesday_evening, after("6 hours")) == utc(2026, 3, 4, 8)


def test_hours_running_into_the_weekend_wait_for_monday_morning() -> None:
    friday_afternoon = utc(2026, 3, 6, 16)
    assert weekdays_only().due(friday_afternoon, after("48 hours")) == utc(2026, 3, 9, 8)


def test_hours_within_working_hours_are_exact() -> None:
    assert weekdays_only().due(utc(2026, 3, 3, 10, 15), after("3 hours")) == utc(2026, 3, 3, 13, 15)


def test_hours_are_elapsed_time_across_the_clock_change() -> None:
    saturday_noon_gmt = utc(2026, 3, 28, 12)
    assert weekdays_only().due(saturday_noon_gmt, after("48 hours")) == utc(2026, 3, 30, 12)


def test_a_moment_before_working_hours_on_a_school_day_moves_to_the_opening() -> None:
    assert weekdays_only().next_allowed(utc(2026, 3, 3, 6, 45)) == utc(2026, 3, 3, 8)


def test_a_moment_at_the_end_of_working_hours_moves_to_the_next_school_day() -> None:
    assert weekdays_only().next_allowed(utc(2026, 3, 3, 18)) == utc(2026, 3, 4, 8)


def test_results_are_in_utc_whatever_zone_the_start_is_given_in() -> None:
    start = datetime(2026, 3, 3, 10, tzinfo=SchoolCalendar().zone)
    due = weekdays_only().due(start, after("1 hour"))
    assert due.tzinfo is UTC
    assert due == utc(2026, 3, 3, 11)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        weekdays_only().due(datetime(2026, 3, 3, 10), after("1 hour"))


# Term dates from an iCalendar file

ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example School//Term dates//EN
BEGIN:VEVENT
UID:autumn@example
SUMMARY:Autumn Term
DTSTART;VALUE=DATE:20250903
DTEND;VALUE=DATE:20251220
END:VEVENT
BEGIN:VEVENT
UID:half-term@example
SUMMARY:October Half Term
DTSTART;VALUE=DATE:20251027
DTEND;VALUE=DATE:20251101
END:VEVENT
BEGIN:VEVENT
UID:inset@example
SUMMARY:INSET day - school closed to pupils
DTSTART;VALUE=DATE:20251103
END:VEVENT
BEGIN:VEVENT
UID:parents@example
SUMMARY:Parents' evening
DTSTART:20251112T170000Z
DTEND:20251112T200000Z
END:VEVENT
END:VCALENDAR
"""


def write_ics(folder: Path, text: str = ICS) -> Path:
    path = folder / "terms.ics"
    path.write_text(text.replace("\n", "\r\n"), encoding="utf-8")
    return path


def test_ics_multi_day_events_are_terms_and_inset_and_half_term_are_closures(tmp_path: Path) -> None:
    read = read_ics(write_ics(tmp_path), SchoolCalendar().zone)
    assert [(t.start, t.end) for t in read.terms] == [(date(2025, 9, 3), date(2025, 12, 19))]
    half_term = [date(2025, 10, 27) + timedelta(days=n) for n in range(5)]
    assert read.closures == (*half_term, date(2025, 11, 3))


def test_a_calendar_built_from_settings_uses_the_ics_file(tmp_path: Path) -> None:
    settings = Settings(calendar_ics=write_ics(tmp_path))
    calendar = SchoolCalendar.from_settings(settings)
    assert not calendar.is_school_day(date(2025, 10, 29))  # half term
    assert not calendar.is_school_day(date(2025, 11, 3))  # INSET
    assert calendar.is_school_day(date(2025, 11, 4))
    assert calendar.due(utc(2025, 10, 31, 15), after("3 school days")) == utc(2025, 11, 6, 9)
    assert any("1 term(s) and 6 closure day(s)" in line for line in calendar.describe())


def test_an_unreadable_ics_file_names_the_setting(tmp_path: Path) -> None:
    settings = Settings(calendar_ics=tmp_path / "missing.ics")
    with pytest.raises(BadInput, match=r"calendar_ics \(default\): cannot read .*missing.ics"):
        SchoolCalendar.from_settings(settings)


def test_a_file_that_is_not_icalendar_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not an iCalendar file"):
        read_ics(write_ics(tmp_path, "this is not a calendar\n"), SchoolCalendar().zone)


# The clock


def test_a_fixed_clock_says_what_it_is_told_in_utc() -> None:
    clock = FixedClock(datetime(2026, 3, 30, 9, tzinfo=SchoolCalendar().zone))
    assert clock.now() == utc(2026, 3, 30, 8)
    assert clock.now().tzinfo is UTC
    clock.advance(timedelta(hours=2))
    assert clock.now() == utc(2026, 3, 30, 10)
    clock.set(utc(2026, 4, 1))
    assert clock.now() == utc(2026, 4, 1)


def test_a_fixed_clock_reads_iso_text_with_or_without_an_offset() -> None:
    assert FixedClock.from_iso("2026-03-02T09:00:00Z").now() == utc(2026, 3, 2, 9)
    assert FixedClock.from_iso("2026-06-02T09:00", SchoolCalendar().zone).now() == utc(2026, 6, 2, 8)


def test_bad_now_text_is_bad_input() -> None:
    with pytest.raises(BadInput, match="'next tuesday' is not a date and time"):
        parse_instant("next tuesday")


def test_a_fixed_clock_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        FixedClock(datetime(2026, 3, 2, 9))


def test_the_system_clock_is_timezone_aware_utc() -> None:
    assert SystemClock().now().tzinfo is UTC


# Calendar months and working days: the law's clocks, which the school's holidays do not stop


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2025, 12, 15), date(2026, 1, 15)),  # across the Christmas holidays: they count
        (date(2026, 1, 31), date(2026, 3, 2)),  # 28 February 2026 is a Saturday: the next working day is Monday 2 March
        (date(2027, 1, 29), date(2027, 3, 1)),  # 28 Feb 2027 is a Sunday
        (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year: the last day of February
        (date(2026, 3, 31), date(2026, 4, 30)),  # April has no 31st
        (date(2026, 7, 20), date(2026, 8, 20)),  # in the summer holidays, not moved to September
        (date(2026, 11, 25), date(2026, 12, 29)),  # 25 Dec, then the Boxing Day holiday on Monday 28th
        (date(2026, 12, 31), date(2027, 2, 1)),  # 31 Jan 2027 is a Sunday
    ],
)
def test_a_calendar_month_is_the_corresponding_date_or_the_next_working_day(received: date, due: date) -> None:
    for calendar in (school(), weekdays_only()):
        start = datetime.combine(received, time(14), tzinfo=calendar.zone)
        assert calendar.due(start, after("1 calendar month")) == datetime.combine(due, time(9), tzinfo=calendar.zone)


def test_months_count_on_from_the_day_not_from_the_last_deadline() -> None:
    start = datetime(2026, 1, 31, 10, tzinfo=UTC)
    assert weekdays_only().due(start, after("3 months")) == datetime(2026, 4, 30, 8, tzinfo=UTC)  # 09:00 BST


def test_a_month_and_a_calendar_month_are_the_same_duration() -> None:
    assert after("1 month") == after("1 calendar month")
    assert str(after("2 months")) == "2 calendar months"


def test_a_working_day_counts_in_the_school_holidays_but_not_at_weekends_or_bank_holidays() -> None:
    friday_before_christmas = datetime(2025, 12, 19, 15, tzinfo=UTC)  # the last day of term
    assert school().due(friday_before_christmas, after("1 working day")) == datetime(2025, 12, 22, 9, tzinfo=UTC)
    christmas_eve = datetime(2025, 12, 24, 11, tzinfo=UTC)  # then Christmas Day and Boxing Day
    assert school().due(christmas_eve, after("1 working day")) == datetime(2025, 12, 29, 9, tzinfo=UTC)
    assert school().due(christmas_eve, after("1 school day")) == datetime(2026, 1, 5, 9, tzinfo=UTC)
