"""A subject access request's clock (UK GDPR art. 12(3), as the ICO words it): one calendar month from the
day of receipt, holidays counted; when the next month has no corresponding day, its last day; when that
day is a weekend or bank holiday, the next working day. Complex requests may be extended by up to two
further months, but only if the person is told within the first month, with the reason.

Pure: the calendar (engine.rules.school_days) says which days are working days; no database here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from engine.errors import BadInput, Refused
from engine.rules.school_days import add_months

MONTHS_TO_ANSWER = 1
MOST_EXTRA_MONTHS = 2


def due_on(received_on: date, months: int, working_day: Callable[[date, int], date]) -> date:
    """The day the answer is due: `months` calendar months after receipt (31 January -> 28 or 29 February),
    moved to the next working day when it falls on a weekend or bank holiday (`working_day(day, 0)`)."""
    return working_day(add_months(received_on, months), 0)


def extended_due(
    received_on: date,
    first_due: date,
    extra_months: int,
    told_on: date,
    today: date,
    working_day: Callable[[date, int], date],
) -> date:
    """The new due day for an extension by `extra_months` (1 or 2), refused unless the person was told
    by the first due day and not before the request was received nor after today."""
    if extra_months not in range(1, MOST_EXTRA_MONTHS + 1):
        raise BadInput(f"a request may be extended by 1 or 2 further months, not {extra_months}", field="months")
    if told_on < received_on:
        raise BadInput(
            f"the person cannot have been told on {told_on}, before the request came on {received_on}", field="told_on"
        )
    if told_on > today:
        raise BadInput(f"{told_on} is after today: give the day the person was told", field="told_on")
    if told_on > first_due:
        raise Refused(
            f"too late to extend: the person had to be told by {first_due} (within the first month), and was told on {told_on}"
        )
    return due_on(received_on, MONTHS_TO_ANSWER + extra_months, working_day)
