"""School days counted once, and the statistics of durations: the arithmetic behind the report.

A `DayIndex` walks the calendar once over a span of dates and keeps, for each date, how many
school days have passed up to and including it. The school days from one date to another are then
a subtraction: the school days after the first date, up to and including the second. A case
reported on a Friday and resolved the next Monday took 1 school day; one resolved the day it was
reported took 0. (This is how deadlines count too: "5 school days" after a date.)

The database does the subtraction for many rows at once: the index goes into a temporary table
keyed the way the database can compute for a stored instant (see report_sql), and the report asks
for a histogram (school days -> how many cases) rather than for the rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class DayIndex:
    """For each date in [first, last], the number of school days up to and including it."""

    def __init__(self, is_school_day: Callable[[date], bool], first: date, last: date) -> None:
        if last < first:
            raise ValueError(f"the span of days ends ({last}) before it starts ({first})")
        self.first, self.last = first, last
        running, cumulative = 0, []
        for offset in range((last - first).days + 1):
            running += is_school_day(first + timedelta(days=offset))
            cumulative.append(running)
        self._cumulative = cumulative
        self._utc_keys: dict[str, tuple[int, list[tuple[str, int, int]]]] = {}

    def index(self, day: date) -> int:
        if not self.first <= day <= self.last:
            raise ValueError(f"{day} is outside the indexed days {self.first}..{self.last}")
        return self._cumulative[(day - self.first).days]

    def between(self, start: date, end: date) -> int:
        """The school days after `start`, up to and including `end`."""
        return self.index(end) - self.index(start)

    def days(self) -> Iterator[tuple[date, int]]:
        for offset, running in enumerate(self._cumulative):
            yield self.first + timedelta(days=offset), running

    def utc_keys(self, zone: ZoneInfo) -> tuple[int, list[tuple[str, int, int]]]:
        """Rows (UTC text prefix, local date's ordinal, index) covering every instant of the span.

        An instant stored as 'YYYY-MM-DD HH:MM:SS' in UTC is looked up by its first `width`
        characters: the hour when every local midnight falls on a UTC hour (as in the UK), the minute
        otherwise. Returns (width, rows), worked out once per zone.
        """
        if zone.key not in self._utc_keys:
            self._utc_keys[zone.key] = self._work_out_utc_keys(zone)
        return self._utc_keys[zone.key]

    def _work_out_utc_keys(self, zone: ZoneInfo) -> tuple[int, list[tuple[str, int, int]]]:
        midnights = [_utc(day, zone) for day in self._dates_and_after()]
        whole_hours = all(m.minute == 0 and m.second == 0 for m in midnights)
        width, step = (13, timedelta(hours=1)) if whole_hours else (16, timedelta(minutes=1))
        rows = []
        for (day, running), begin, end in zip(self.days(), midnights, midnights[1:], strict=False):
            ordinal, moment = day.toordinal(), begin.replace(tzinfo=None)
            while moment < end.replace(tzinfo=None):
                rows.append((moment.isoformat(sep=" ")[:width], ordinal, running))  # as SQLite stores it
                moment += step
        return width, rows

    def _dates_and_after(self) -> Iterator[date]:
        for offset in range((self.last - self.first).days + 2):
            yield self.first + timedelta(days=offset)


def _utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Spread:
    """How long something took, in school days: how many, the median and the 90th percentile."""

    count: int
    median: float | None
    p90: float | None


def percentile(histogram: Mapping[int, int], q: float) -> float | None:
    """The q-th quantile (0..1) of the values a histogram (value -> how many) describes.

    Linear interpolation between the closest ranks, the "inclusive" method (statistics.quantiles
    with method='inclusive', numpy's default): the median of 1, 2, 3, 10 is 2.5; its 90th
    percentile is 7.9. None when there are no values.
    """
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = (total - 1) * q
    low, high = _nth(histogram, math.floor(rank)), _nth(histogram, math.ceil(rank))
    return round(low + (high - low) * (rank - math.floor(rank)), 2)


def _nth(histogram: Mapping[int, int], n: int) -> int:
    """The n-th smallest value (from 0)."""
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if n < seen:
            return value
    raise IndexError(n)


def spread(histogram: Mapping[int, int]) -> Spread:
    return Spread(sum(histogram.values()), percentile(histogram, 0.5), percentile(histogram, 0.9))
