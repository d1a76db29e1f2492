"""When the worker's automatic jobs are due: plain rules over the calendar and the settings, no database.

`engine.firing`, `engine.digest` and `engine.worker` ask these questions; the unit tests ask them too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from engine.rules.school_days import DurationLike, SchoolCalendar
from engine.settings import Settings

REVIEW_GRACE = timedelta(days=14)
"""A policy review reminder missed on its day (no worker ran) still goes out within this window."""
DUE_SOON_SCHOOL_DAYS = 5
"""The daily digest lists what falls due within this many school days."""


def next_repeat(calendar: SchoolCalendar, previous_due: datetime, repeat: DurationLike, now: datetime) -> datetime:
    """When a repeating reminder comes round again: `repeat` after its previous due time, or, if the
    worker fired it late (it was stopped), `repeat` after now, so that a long stop never becomes a
    burst of catch-up reminders."""
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


def review_date_in_force(settings: Settings, zone_today: date) -> date:
    """The review date of the current cycle: this year's, or last year's if this year's is still to come."""
    this_year = settings.policy_review_on(zone_today.year)
    return this_year if this_year <= zone_today else settings.policy_review_on(zone_today.year - 1)


def review_due(calendar: SchoolCalendar, settings: Settings, now: datetime, last_sent: datetime | None) -> date | None:
    """The review date to remind the school of, if the reminder is due now; else None.

    Due from deadline_time on the review date, once a year, for REVIEW_GRACE after it (a worker
    stopped on the day still sends it; one started months later does not send a stale one)."""
    if not settings.policy_review_enabled:
        return None
    review = review_date_in_force(settings, now.astimezone(calendar.zone).date())
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
