"""When the worker's automatic jobs are due: plain rules over the calendar and the settings, no database.

`engine.firing`, `engine.digest` and `engine.worker` ask these questions; the unit tests ask them too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from engine.rules.school_days import DurationLike, SchoolCalendar
from engine.settings import Settings
from workflows import Unit

REVIEW_GRACE = timedelta(days=14)
"""A policy review reminder missed on its day (no worker ran) still goes out within this window."""
DUE_SOON_SCHOOL_DAYS = 5
LATE_GRACE = timedelta(minutes=5)
"""A reminder fired more than this after its due time fired late. The worker polls every half second and
sweeps every 30 s, and a batch of thousands fires within a minute: five minutes is on time for a busy
worker, and still tells a stopped one apart."""
"""The daily digest lists what falls due within this many school days."""


def next_repeat(
    calendar: SchoolCalendar,
    previous_due: datetime,
    repeat: DurationLike,
    now: datetime,
    *,
    grace: timedelta = LATE_GRACE,
) -> datetime:
    """When a repeating reminder comes round again.

    Fired on time (no more than `grace` after its due time): `repeat` after its due time, so the
    reminders keep their rhythm. Fired late (the worker was stopped): `repeat` after now, so that a
    long stop never becomes a burst of catch-up reminders, nor a reminder an hour after a late one.
    Lateness is judged by when this reminder fired, not by whether its old next slot is still ahead:
    a 5-school-day reminder fired a week late would otherwise come round again at the next 09:00."""
    if now - previous_due > grace:
        return calendar.due(now, repeat)
    following = calendar.due(previous_due, repeat)
    return following if following > now else calendar.due(now, repeat)


def _local_start(calendar: SchoolCalendar, day: date, at: time = time(0)) -> datetime:
    return datetime.combine(day, at, tzinfo=calendar.zone).astimezone(UTC)


def digest_due(calendar: SchoolCalendar, settings: Settings, now: datetime, last_sent: datetime | None) -> bool:
    """The daily digest goes out once on each school day, from digest_time (school time) on."""
    if not settings.digest_enabled:
        return False
    today = now.astimezone(calendar.zone).date()
    if not calendar.is_school_day(today) or now < _local_start(calendar, today, settings.digest_time):
        return False
    return last_sent is None or last_sent < _local_start(calendar, today)


def review_date_in_force(settings: Settings, zone_today: date, signed_next: date | None = None) -> date:
    """The review date of the current cycle: the one the last sign-off of the annual review set, when there is
    one; else this year's (settings), or last year's if this year's is still to come."""
    if signed_next is not None:
        return signed_next
    this_year = settings.policy_review_on(zone_today.year)
    return this_year if this_year <= zone_today else settings.policy_review_on(zone_today.year - 1)


def review_due(
    calendar: SchoolCalendar, settings: Settings, now: datetime, last_sent: datetime | None, signed_next: date | None = None
) -> date | None:
    """The review date to remind the school of, if the reminder is due now; else None.

    Due from deadline_time on the review date, once a year, for REVIEW_GRACE after it (a worker
    stopped on the day still sends it; one started months later does not send a stale one). `signed_next`: the
    next review date the annual review's sign-off set (engine.queries.review), which replaces the settings' date."""
    if not settings.policy_review_enabled:
        return None
    review = review_date_in_force(settings, now.astimezone(calendar.zone).date(), signed_next)
    starts = _local_start(calendar, review, settings.deadline_time)
    if not starts <= now < starts + REVIEW_GRACE:
        return None
    if last_sent is not None and last_sent >= _local_start(calendar, review):
        return None
    return review


def due_soon_until(calendar: SchoolCalendar, now: datetime) -> datetime:
    """The end of the digest's "due soon" window: the end of the 5th school day after today."""
    today = now.astimezone(calendar.zone).date()
    last = calendar.school_days_after(today, DUE_SOON_SCHOOL_DAYS)
    return _local_start(calendar, last + timedelta(days=1))


def next_wake(earliest_due: datetime | None, now: datetime, *, retry_after: timedelta) -> datetime | None:
    """When the worker should wake next for the earliest pending deadline.

    A deadline already due when the worker has just fired everything it could (another worker
    holds its case, say) is tried again after `retry_after`, not in a tight loop."""
    if earliest_due is None:
        return None
    return earliest_due if earliest_due > now else now + retry_after


def resumed_due(calendar: SchoolCalendar, unit: Unit, paused_at: datetime, due_at: datetime, now: datetime) -> datetime:
    """When a deadline paused at `paused_at` (then due at `due_at`) falls due, resumed at `now`, with the time it had left.

    A deadline counted in school or working days keeps the days it had left, counted again by the calendar from
    now (paused on Monday with three school days to go, resumed on a Thursday before half term: due three school
    days after that Thursday, at deadline_time); one with less than a day left, or counted in hours, days or months,
    keeps the elapsed time it had left (then moved, like any reminder, to a moment one may be sent)."""
    counts = {Unit.SCHOOL_DAYS: calendar.is_school_day, Unit.WORKING_DAYS: calendar.is_working_day}.get(unit)
    if counts is not None:
        left = _days_between(calendar, paused_at, due_at, counts)
        if left > 0:
            return calendar.due(now, _Days(left, unit))
    resumed = now + max(due_at - paused_at, timedelta(0))
    return resumed if unit in (Unit.WORKING_DAYS, Unit.MONTHS) else calendar.next_allowed(resumed)


@dataclass(frozen=True)
class _Days:
    amount: int
    unit: Unit


def _days_between(calendar: SchoolCalendar, start: datetime, end: datetime, counts: Callable[[date], bool]) -> int:
    """How many counted days fall after `start`'s local date, up to and including `end`'s."""
    first, last = start.astimezone(calendar.zone).date(), end.astimezone(calendar.zone).date()
    return sum(1 for n in range(1, (last - first).days + 1) if counts(first + timedelta(days=n)))
