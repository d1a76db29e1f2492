"""The periods a monitoring report is split into: calendar months, or school terms.

Terms come from the configured term dates. A holiday counts with the term before it, so the
periods follow each other with no gap and every case falls in exactly one. Outside the span the
configured terms cover (and when none are configured) the English convention applies:

    autumn  1 September to 31 December
    spring  1 January to Easter Sunday (the spring term ends at the Easter holiday)
    summer  Easter Monday to 31 August

A configured term takes the name of the conventional term its first day falls in; when a school
configures half-terms, each is numbered ("Autumn 1 2025", "Autumn 2 2025"). The last configured
term runs on to the end of its conventional term; before the first, the conventional terms apply,
and a stub of under two weeks left before it joins the term before.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from engine.settings import Term

By = Literal["month", "term"]
SHORT_STUB_DAYS = 14


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: date
    end: date
    """The last day, included."""


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous algorithm, after Meeus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def season_of(day: date) -> tuple[str, int]:
    """The conventional term a day falls in, and the calendar year of that term."""
    if day.month >= 9:
        return "autumn", day.year
    return ("spring" if day <= easter_sunday(day.year) else "summer"), day.year


def _conventional(season: str, year: int) -> Period:
    if season == "autumn":
        start, end = date(year, 9, 1), date(year, 12, 31)
    elif season == "spring":
        start, end = date(year, 1, 1), easter_sunday(year)
    else:
        start, end = easter_sunday(year) + timedelta(days=1), date(year, 8, 31)
    return Period(f"{season}-{year}", f"{season.title()} {year}", start, end)


def conventional_terms(first: date, last: date) -> list[Period]:
    """The conventional terms that overlap [first, last], whole."""
    terms = [_conventional(s, y) for y in range(first.year, last.year + 1) for s in ("spring", "summer", "autumn")]
    return [t for t in terms if t.end >= first and t.start <= last]


def months(first: date, last: date) -> list[Period]:
    periods, day = [], first.replace(day=1)
    while day <= last:
        following = (day + timedelta(days=32)).replace(day=1)
        periods.append(Period(f"{day:%Y-%m}", f"{day:%b %Y}", day, following - timedelta(days=1)))
        day = following
    return periods


def _configured(terms: Sequence[Term]) -> list[Period]:
    """One period per configured term, each running to the day before the next begins."""
    ordered = sorted(terms, key=lambda t: t.start)
    named = [season_of(t.start) for t in ordered]
    periods = []
    for n, term in enumerate(ordered):
        season, year = named[n]
        siblings = [i for i, other in enumerate(named) if other == (season, year)]
        number = f" {siblings.index(n) + 1}" if len(siblings) > 1 else ""
        last_day = max(term.end, _conventional(season, year).end)
        end = ordered[n + 1].start - timedelta(days=1) if n + 1 < len(ordered) else last_day
        label = f"{season.title()}{number} {year}"
        periods.append(Period(label.lower().replace(" ", "-"), label, term.start, end))
    return periods


def _clipped(periods: list[Period], first: date, last: date) -> list[Period]:
    return [Period(p.key, p.label, max(p.start, first), min(p.end, last)) for p in periods if p.end >= first and p.start <= last]


def _before(conventional: list[Period], first_configured: date) -> list[Period]:
    """The conventional terms before the first configured one; a stub of under two weeks left between
    them joins the term before it, as a holiday would."""
    cut = first_configured - timedelta(days=1)
    periods = _clipped([p for p in conventional if p.start <= cut], date.min, cut)
    if len(periods) >= 2 and (periods[-1].end - periods[-1].start).days < SHORT_STUB_DAYS:
        stub = periods.pop()
        periods[-1] = Period(periods[-1].key, periods[-1].label, periods[-1].start, stub.end)
    return periods


def terms(first: date, last: date, configured: Sequence[Term] = ()) -> list[Period]:
    """The terms that overlap [first, last]: configured ones where they exist, conventional elsewhere."""
    if not configured:
        return conventional_terms(first, last)
    inside = _configured(configured)
    before = _before(conventional_terms(min(first, inside[0].start), inside[0].start), inside[0].start)
    after = _clipped(conventional_terms(inside[-1].end, max(last, inside[-1].end)), inside[-1].end + timedelta(days=1), date.max)
    periods = [p for p in before + inside + after if p.end >= first and p.start <= last]
    return _unique(periods)


def _unique(periods: list[Period]) -> list[Period]:
    """A conventional term cut short by the configured ones can share a name with one: tell them apart."""
    seen: set[str] = set()
    out = []
    for period in periods:
        if period.key in seen:
            period = Period(
                f"{period.key}-from-{period.start}", f"{period.label} (from {period.start:%d %b})", period.start, period.end
            )
        seen.add(period.key)
        out.append(period)
    return out


def periods(by: By, first: date, last: date, configured: Sequence[Term] = ()) -> list[Period]:
    return months(first, last) if by == "month" else terms(first, last, configured)


def locate(periods: Sequence[Period], day: date) -> Period | None:
    """The period a day falls in (the periods follow each other, oldest first)."""
    n = bisect_right([p.start for p in periods], day) - 1
    return periods[n] if n >= 0 and day <= periods[n].end else None
