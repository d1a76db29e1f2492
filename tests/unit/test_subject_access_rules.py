"""The subject access clock and the redaction of other people, with no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine.commands.subject_redact import SubjectRedactor
from engine.errors import BadInput, Refused
from engine.rules.subject_access import due_on, extended_due


def weekdays(day: date, count: int) -> date:
    """A calendar where every weekday is a working day (no bank holidays): `working_days_after(day, 0)`."""
    assert count == 0
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
        (date(2026, 1, 30), date(2026, 3, 2)),  # 28 February 2026 is a Saturday: the Monday
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 12, 18), date(2027, 1, 18)),  # across the Christmas holidays
    ],
)
def test_one_calendar_month_with_the_last_day_when_the_month_is_short(received: date, due: date) -> None:
    assert due_on(received, 1, weekdays) == due


def test_an_extension_counts_from_receipt_and_needs_notice_within_the_first_month() -> None:
    received, first = date(2026, 1, 31), date(2026, 3, 2)
    assert extended_due(received, first, 2, date(2026, 3, 2), date(2026, 3, 5), weekdays) == date(2026, 4, 30)
    with pytest.raises(Refused, match="too late to extend"):
        extended_due(received, first, 1, date(2026, 3, 3), date(2026, 3, 5), weekdays)
    with pytest.raises(BadInput, match="before the request came"):
        extended_due(received, first, 1, date(2026, 1, 30), date(2026, 3, 5), weekdays)
    with pytest.raises(BadInput, match="1 or 2"):
        extended_due(received, first, 0, date(2026, 2, 2), date(2026, 3, 5), weekdays)


def test_others_are_redacted_by_what_they_are_and_the_person_is_kept() -> None:
    redactor = SubjectRedactor(
        ["Jo Parent", "jo@home.example"],
        [("Kim Parent", "poster"), ("kim@x.example", "poster"), ("Sam Staff", "member of staff"), ("Y7-AB", "pupil")],
    )
    text = redactor.text(
        "Jo Parent and KIM PARENT (kim@x.example) wrote about Mr Staff and y7-ab; cc jo@home.example, a@b.example"
    )
    assert text == (
        "Jo Parent and [redacted: poster] ([redacted: poster]) wrote about Mr [redacted: member of staff] and "
        "[redacted: pupil]; cc jo@home.example, [redacted: email address]"
    )
    assert redactor.counts == {"poster": 2, "member of staff": 1, "pupil": 1, "email address": 1}
    assert redactor.deep({"Sam Staff": ["Y7-AB", 3]}) == {"[redacted: member of staff]": ["[redacted: pupil]", 3]}
