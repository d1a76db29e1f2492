"""School days counted by subtraction, the UTC keys the database joins on, and the percentiles."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.report.days import DayIndex, percentile, spread
from engine.rules.school_days import SchoolCalendar

TERMS = [(date(2025, 9, 3), date(2025, 10, 24)), (date(2025, 11, 3), date(2025, 12, 19)), (date(2026, 1, 5), date(2026, 2, 13))]
CALENDAR = SchoolCalendar(timezone="Europe/London", terms=TERMS)
FIRST, LAST = date(2025, 8, 1), date(2026, 3, 31)
INDEX = DayIndex(CALENDAR.is_school_day, FIRST, LAST)


def counted_one_by_one(start: date, end: date) -> int:
    return sum(CALENDAR.is_school_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))


def test_a_case_reported_on_friday_and_resolved_on_monday_took_one_school_day():
    assert INDEX.between(date(2025, 9, 5), date(2025, 9, 8)) == 1
    assert INDEX.between(date(2025, 9, 8), date(2025, 9, 8)) == 0


def test_half_term_and_the_christmas_holiday_do_not_count():
    assert INDEX.between(date(2025, 10, 24), date(2025, 11, 3)) == 1
    assert INDEX.between(date(2025, 12, 19), date(2026, 1, 5)) == 1
    assert INDEX.between(date(2026, 2, 13), date(2026, 2, 20)) == 5  # after the last term date, every weekday counts


@given(st.dates(FIRST, LAST), st.dates(FIRST, LAST))
def test_subtraction_agrees_with_counting_day_by_day(a, b):
    start, end = min(a, b), max(a, b)
    assert INDEX.between(start, end) == counted_one_by_one(start, end)


def test_a_day_outside_the_index_is_refused():
    with pytest.raises(ValueError, match="outside the indexed days"):
        INDEX.index(date(2030, 1, 1))


def test_every_utc_hour_maps_to_its_london_date_across_the_clock_changes():
    index = DayIndex(CALENDAR.is_school_day, date(2025, 10, 25), date(2025, 10, 27))
    width, rows = index.utc_keys(ZoneInfo("Europe/London"))
    keys = {key: date.fromordinal(day) for key, day, _ in rows}
    assert width == 13 and len(keys) == len(rows) == 24 + 25 + 24  # 26 October is 25 hours long
    assert keys["2025-10-25 22"] == date(2025, 10, 25)  # 23:00 BST
    assert keys["2025-10-25 23"] == date(2025, 10, 26)  # midnight BST
    assert keys["2025-10-27 00"] == date(2025, 10, 27)  # midnight GMT
    assert min(keys) == "2025-10-24 23" and max(keys) == "2025-10-27 23"


def test_a_zone_with_half_hour_offsets_is_keyed_by_the_minute():
    index = DayIndex(CALENDAR.is_school_day, date(2025, 10, 25), date(2025, 10, 25))
    width, rows = index.utc_keys(ZoneInfo("Asia/Kolkata"))
    keys = {key: day for key, day, _ in rows}
    assert width == 16 and len(rows) == 24 * 60
    moment = datetime(2025, 10, 25, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata")).astimezone(UTC)
    assert keys[moment.strftime("%Y-%m-%d %H:%M")] == date(2025, 10, 25).toordinal()


def test_the_median_and_90th_percentile_of_a_few_durations():
    histogram = Counter([1, 2, 3, 10])
    assert percentile(histogram, 0.5) == 2.5
    assert percentile(histogram, 0.9) == 7.9
    assert spread(Counter()) == spread({})  # nothing measured: no median
    assert spread(Counter()).median is None and spread(Counter([4])).p90 == 4


@given(st.lists(st.integers(0, 400), min_size=2, max_size=300))
def test_percentiles_from_a_histogram_agree_with_the_statistics_module(values):
    histogram = Counter(values)
    assert percentile(histogram, 0.5) == pytest.approx(statistics.median(values), abs=0.006)
    assert percentile(histogram, 0.9) == pytest.approx(statistics.quantiles(values, n=10, method="inclusive")[8], abs=0.006)
