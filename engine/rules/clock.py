"""The one source of "now": passed in, so tests and `redress worker --once --now ISO` control time.

Every instant is timezone-aware and in UTC; nothing else in the engine calls `datetime.now()`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol

from engine.errors import BadInput


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def _aware_utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone: give an aware datetime")
    return at.astimezone(UTC)


def parse_instant(text: str, zone: tzinfo = UTC) -> datetime:
    """Read an ISO 8601 instant such as `2026-03-02T09:00` or `2026-03-02T09:00:00Z`, in UTC.

    A time with no offset is read in `zone` (pass the school's zone to read it as local time).
    """
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadInput(f"'{text}' is not a date and time: write it as 2026-03-02T09:00 or 2026-03-02T09:00:00Z") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


class FixedClock:
    """A clock that says what it is told: for tests and for replaying the worker at a given moment."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware_utc(at)

    @classmethod
    def from_iso(cls, text: str, zone: tzinfo = UTC) -> FixedClock:
        return cls(parse_instant(text, zone))

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _aware_utc(at)

    def advance(self, by: timedelta) -> datetime:
        """Move forward by `by` and return the new now."""
        self._at += by
        return self._at
