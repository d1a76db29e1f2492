"""The school-day calendar: which days count, and when a deadline falls due.

A school day is a weekday that is not a bank holiday of the school's nation (from the `holidays`
package) nor a closure (INSET day and the like), and, when term dates are configured, lies inside
a term. Outside the span the term dates cover, and when none are configured, every weekday that
is not a bank holiday counts: a deadline is never lost for want of next year's dates.

Term dates may also come from an iCalendar file. The rule: an event whose summary mentions INSET,
closed/closure, holiday(s), half term or training day makes each of its days a closure; any other
event of two days or more is a term; other single-day events (parents' evening) are ignored.
Recurring events are not expanded.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from engine.errors import BadInput
from engine.settings import Settings, Term, WorkingHours
from workflows.spec import Unit

if TYPE_CHECKING:
    import icalendar  # imported where a calendar is read: a command that reads none never loads it

NATIONS: dict[str, tuple[str, str]] = {
    "england": ("ENG", "England"),
    "wales": ("WLS", "Wales"),
    "scotland": ("SCT", "Scotland"),
    "northern_ireland": ("NIR", "Northern Ireland"),
}

_CLOSURE_WORDS = re.compile(r"\b(inset|closed|closures?|holidays?|half[- ]?term|training days?)\b", re.IGNORECASE)
_SEARCH_LIMIT = 3660  # days; only a calendar with no school day in ten years could reach it


class DurationLike(Protocol):
    """What `due` needs of a duration: `workflows.spec.Duration` is one."""

    @property
    def amount(self) -> int: ...

    @property
    def unit(self) -> Unit | str: ...


@dataclass(frozen=True)
class IcsDates:
    terms: tuple[Term, ...]
    closures: tuple[date, ...]


class SchoolCalendar:
    """School days, deadlines and the hours when reminders may go out, in the school's time zone."""

    def __init__(
        self,
        *,
        timezone: str | ZoneInfo = "Europe/London",
        nation: str = "england",
        terms: Iterable[Term | tuple[date, date]] = (),
        closures: Iterable[date] = (),
        deadline_time: time = time(9),
        working_hours: WorkingHours | tuple[time, time] = (time(8), time(18)),
        notes: Iterable[str] = (),
    ) -> None:
        if nation not in NATIONS:
            raise BadInput(f"unknown nation '{nation}': use one of {', '.join(NATIONS)}")
        self.zone = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)
        self.nation = nation
        self.terms = tuple(sorted((t if isinstance(t, Term) else Term(start=t[0], end=t[1]) for t in terms), key=_start))
        self.closures = frozenset(closures)
        self.deadline_time = deadline_time
        self.working_hours = (
            working_hours
            if isinstance(working_hours, WorkingHours)
            else WorkingHours(start=working_hours[0], end=working_hours[1])
        )
        self._notes = tuple(notes)
        # Each year's bank holidays are computed the first time a date in that year is asked about.
        import holidays  # here, not at the top: `redress --help` and `case show` need no bank holidays

        self._bank_holidays = holidays.country_holidays("GB", subdiv=NATIONS[nation][0])

    @classmethod
    def from_settings(cls, settings: Settings) -> SchoolCalendar:
        """The calendar the settings describe, reading the .ics file if one is configured."""
        terms, closures, notes = list(settings.terms), list(settings.closures), []
        if settings.calendar_ics is not None:
            read = read_ics(settings.calendar_ics, settings.zone, f"calendar_ics ({settings.source('calendar_ics')})")
            terms += read.terms
            closures += read.closures
            notes.append(f"From {settings.calendar_ics}: {len(read.terms)} term(s) and {len(read.closures)} closure day(s)")
        return cls(
            timezone=settings.zone,
            nation=settings.nation,
            terms=terms,
            closures=closures,
            deadline_time=settings.deadline_time,
            working_hours=settings.working_hours,
            notes=notes,
        )

    # Days

    def bank_holiday(self, day: date) -> str | None:
        """The bank holiday's name, or None."""
        name = self._bank_holidays.get(day)
        return str(name) if name else None

    def _in_term_or_uncovered(self, day: date) -> bool:
        if not self.terms or not self.terms[0].start <= day <= self.terms[-1].end:
            return True
        return any(day in term for term in self.terms)

    def is_school_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self.closures or self.bank_holiday(day):
            return False
        return self._in_term_or_uncovered(day)

    def next_school_day(self, day: date) -> date:
        """The first school day strictly after `day`."""
        for offset in range(1, _SEARCH_LIMIT):
            candidate = day + timedelta(days=offset)
            if self.is_school_day(candidate):
                return candidate
        raise BadInput(f"no school day in the ten years after {day}: check the term dates and closures")

    def school_days_after(self, day: date, count: int) -> date:
        """The `count`th school day strictly after `day`."""
        for _ in range(count):
            day = self.next_school_day(day)
        return day

    # Moments

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{moment.isoformat()} has no time zone: the calendar works with aware datetimes")
        return moment.astimezone(self.zone)

    def _at(self, day: date, when: time) -> datetime:
        return datetime.combine(day, when, tzinfo=self.zone).astimezone(UTC)

    def next_allowed(self, moment: datetime) -> datetime:
        """The earliest moment >= `moment` on a school day within working hours, in UTC."""
        local = self._local(moment)
        day, clock = local.date(), local.time()
        if self.is_school_day(day):
            if clock < self.working_hours.start:
                return self._at(day, self.working_hours.start)
            if clock < self.working_hours.end:
                return moment.astimezone(UTC)
        return self._at(self.next_school_day(day), self.working_hours.start)

    def is_working_day(self, day: date) -> bool:
        """A weekday that is not a bank holiday: the school's holidays and closures count (a local authority works)."""
        return day.weekday() < 5 and not self.bank_holiday(day)

    def working_days_after(self, day: date, count: int) -> date:
        """The `count`th working day strictly after `day` (0: `day` itself if it is one, else the next)."""
        if count == 0 and self.is_working_day(day):
            return day
        for _ in range(max(count, 1)):
            day += timedelta(days=1)
            while not self.is_working_day(day):
                day += timedelta(days=1)
        return day

    def due(self, start: datetime, duration: DurationLike) -> datetime:
        """When a deadline of `duration` counted from `start` falls due, in UTC.

        school days: the Nth school day after the start's local date, at deadline_time;
        days: N calendar days later at deadline_time; hours: exactly N hours later; all three are then
        moved to the next moment a reminder may be sent.
        working days and calendar months are the law's clocks, which the school's holidays do not stop:
        the Nth working day after the start; the corresponding date N months on (the last day of the month
        when it has none, so 31 January gives 28 or 29 February), or the next working day when that is a
        weekend or bank holiday (the ICO's rule for a subject access request); both at deadline_time,
        never moved into term.
        """
        local = self._local(start)
        unit = Unit(duration.unit)
        if unit is Unit.WORKING_DAYS:
            return self._at(self.working_days_after(local.date(), duration.amount), self.deadline_time)
        if unit is Unit.MONTHS:
            return self._at(self.working_days_after(add_months(local.date(), duration.amount), 0), self.deadline_time)
        if unit is Unit.SCHOOL_DAYS:
            moment = self._at(self.school_days_after(local.date(), duration.amount), self.deadline_time)
        elif unit is Unit.DAYS:
            moment = self._at(local.date() + timedelta(days=duration.amount), self.deadline_time)
        else:
            moment = start + timedelta(hours=duration.amount)
        return self.next_allowed(moment)

    # Words

    def describe(self) -> list[str]:
        """Lines saying, in plain words, which days count and when deadlines fall."""
        country = NATIONS[self.nation][1]
        if not self.terms:
            lines = [f"No term dates configured: every weekday that is not a bank holiday ({country}) counts as a school day"]
        else:
            first, last = self.terms[0].start, self.terms[-1].end
            lines = [
                f"{len(self.terms)} term(s) from {first} to {last}: a school day is a weekday in a term "
                f"that is not a bank holiday ({country}) or a closure",
                f"Outside {first}..{last} every weekday that is not a bank holiday counts: "
                f"add the next year's term dates before {last}",
            ]
        shown = ", ".join(str(day) for day in sorted(self.closures)[:12])
        more = f" and {len(self.closures) - 12} more" if len(self.closures) > 12 else ""
        lines.append(f"Closure days (INSET and the like): {shown}{more}" if self.closures else "No closure days configured")
        lines.extend(self._notes)
        hours = self.working_hours
        lines.append(
            f"Deadlines fall due at {self.deadline_time:%H:%M} ({self.zone.key}); reminders go out only on school days "
            f"between {hours.start:%H:%M} and {hours.end:%H:%M}"
        )
        return lines


def add_months(day: date, months: int) -> date:
    """The corresponding date `months` later, or the last day of that month when it has none."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _start(term: Term) -> date:
    return term.start


def _day(value: date, zone: ZoneInfo) -> date:
    if isinstance(value, datetime):
        return value.astimezone(zone).date() if value.tzinfo else value.date()
    return value


def _parse_ics(data: bytes, path: Path) -> icalendar.Calendar:
    """The parsed calendar; a file that is not one is refused without echoing its bytes."""
    import icalendar  # here, not at the top: most commands need no term dates

    if b"\0" in data or not data.lstrip().upper().startswith(b"BEGIN:VCALENDAR"):
        raise BadInput(f"{path}: not an iCalendar file (it does not start with BEGIN:VCALENDAR): export the term dates as .ics")
    try:
        data.decode("utf-8")
        return icalendar.Calendar.from_ical(data)
    except (ValueError, TypeError, KeyError, IndexError) as exc:  # the library's parse errors are not one type
        raise BadInput(
            f"{path}: not a readable iCalendar file ({type(exc).__name__}): export the term dates as .ics again"
        ) from exc


def _event_days(event: icalendar.Component, zone: ZoneInfo, path: Path) -> tuple[date, date] | None:
    """The first and last day an event covers (DTEND is exclusive in iCalendar)."""
    try:
        start = event.decoded("DTSTART", None)
        end = event.decoded("DTEND", None)
        if end is None and event.get("DURATION") is not None and isinstance(start, date):
            end = start + event.decoded("DURATION")
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise BadInput(f"{path}: the event '{_summary(event)}' has a date that cannot be read ({type(exc).__name__})") from exc
    if start is None:
        return None
    if not isinstance(start, date) or (end is not None and not isinstance(end, date)):
        raise BadInput(f"{path}: the event '{_summary(event)}' has a date that cannot be read: fix its DTSTART and DTEND")
    first = _day(start, zone)
    if not isinstance(end, date):
        return first, first
    if _before(end, start, zone):
        raise BadInput(
            f"{path}: the event '{_summary(event)}' ends ({end}) before it starts ({start}): fix its DTEND or DURATION"
        )
    if not 2000 <= first.year <= 2100 or not 2000 <= end.year <= 2100:
        raise BadInput(f"{path}: the event '{_summary(event)}' is dated outside 2000-2100: fix its dates")
    last = _day(end - timedelta(microseconds=1), zone) if isinstance(end, datetime) else end - timedelta(days=1)
    return first, max(first, last)


def _before(end: date, start: date, zone: ZoneInfo) -> bool:
    if isinstance(end, datetime) and isinstance(start, datetime):
        try:
            return end < start
        except TypeError:  # one has a time zone, the other not: compare the days
            pass
    return _day(end, zone) < _day(start, zone)


def _summary(event: icalendar.Component) -> str:
    text = " ".join(str(event.get("SUMMARY", "untitled")).split())
    return "".join(ch for ch in text if ch.isprintable())[:60]


def read_ics(path: Path, zone: ZoneInfo, setting: str = "calendar_ics") -> IcsDates:
    """Term dates and closure days from an iCalendar file (the rule is in the module's docstring)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{setting}: cannot read {path} ({exc.strerror}): fix the path or export the term dates again") from exc
    parsed = _parse_ics(data, path)
    terms: list[Term] = []
    closures: set[date] = set()
    for event in parsed.walk("VEVENT"):
        days = _event_days(event, zone, path)
        if days is None:
            continue
        first, last = days
        if _CLOSURE_WORDS.search(str(event.get("SUMMARY", ""))):
            closures.update(first + timedelta(days=n) for n in range((last - first).days + 1))
        elif last > first:
            terms.append(Term(start=first, end=last))
    return IcsDates(tuple(sorted(terms, key=_start)), tuple(sorted(closures)))
