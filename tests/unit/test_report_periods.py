"""Months and terms: Easter, the English convention, configured half-terms, and no day left out."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest

from engine.report.periods import easter_sunday, locate, periods, season_of, terms
from engine.settings import Term

HALF_TERMS = [
    Term(start=a, end=b)
    for a, b in [
        (date(2025, 9, 3), date(2025, 10, 24)),
        (date(2025, 11, 3), date(2025, 12, 19)),
        (date(2026, 1, 5), date(2026, 2, 13)),
        (date(2026, 2, 23), date(2026, 3, 27)),
        (date(2026, 4, 13), date(2026, 5, 22)),
        (date(2026, 6, 1), date(2026, 7, 22)),
    ]
]


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2000, date(2000, 4, 23)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
)
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == easter


@pytest.mark.parametrize(
    ("day", "season"),
    [
        (date(2026, 1, 1), ("spring", 2026)),
        (date(2026, 4, 5), ("spring", 2026)),
        (date(2026, 4, 6), ("summer", 2026)),
        (date(2026, 8, 31), ("summer", 2026)),
        (date(2026, 9, 1), ("autumn", 2026)),
        (date(2026, 12, 31), ("autumn", 2026)),
    ],
)
def test_without_term_dates_the_english_convention_names_the_term(day, season):
    assert season_of(day) == season
    assert locate(terms(date(2026, 1, 1), date(2026, 12, 31)), day).key == f"{season[0]}-{season[1]}"


def label_of(day: date, first: date = date(2025, 1, 1), last: date = date(2027, 3, 1)) -> str:
    found = locate(terms(first, last, HALF_TERMS), day)
    assert found is not None
    return found.label


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2025, 9, 3), "Autumn 1 2025"),
        (date(2025, 10, 29), "Autumn 1 2025"),  # half-term counts with the term before
        (date(2025, 12, 25), "Autumn 2 2025"),
        (date(2026, 1, 5), "Spring 1 2026"),
        (date(2026, 4, 1), "Spring 2 2026"),
        (date(2026, 7, 22), "Summer 2 2026"),
        (date(2026, 8, 20), "Summer 2 2026"),  # the last term runs to the end of August
        (date(2026, 9, 10), "Autumn 2026"),
        (date(2025, 8, 20), "Summer 2025"),
        (date(2025, 9, 1), "Summer 2025"),
    ],
)
def test_configured_half_terms_are_numbered_and_holidays_count_with_the_term_before(day, label):
    assert label_of(day) == label


@pytest.mark.parametrize("configured", [(), tuple(HALF_TERMS), (Term(start=date(2025, 11, 3), end=date(2025, 12, 19)),)])
def test_every_day_falls_in_exactly_one_period(configured):
    first, last = date(2024, 6, 1), date(2027, 2, 1)
    split = terms(first, last, configured)
    assert len({p.key for p in split}) == len(split)
    for before, after in pairwise(split):
        assert after.start == before.end + timedelta(days=1)
    assert split[0].start <= first and split[-1].end >= last


def test_months_cover_the_period_with_their_true_lengths():
    split = periods("month", date(2024, 1, 15), date(2024, 3, 2))
    assert [(p.key, p.label, p.end.day) for p in split] == [
        ("2024-01", "Jan 2024", 31),
        ("2024-02", "Feb 2024", 29),
        ("2024-03", "Mar 2024", 31),
    ]
