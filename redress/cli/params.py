"""Parameter types the commands share, each refusing a bad value with one line before anything runs.

An id fits a 64-bit column; a date or instant falls within 2000-2100 (the years Redress can
count school days in); a file to write goes into a folder that exists.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any, cast

import click

FIRST_YEAR, LAST_YEAR = 2000, 2100
BIGGEST_ID = 2**63 - 1

ID = click.IntRange(1, BIGGEST_ID)
"""A row id: positive and within a 64-bit integer column."""

COUNT = click.IntRange(1, 1_000_000)
YEAR = click.IntRange(FIRST_YEAR, LAST_YEAR)


def _in_range(param_type: click.ParamType[Any], value: date, text: str, param: click.Parameter | None,
              ctx: click.Context | None) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        param_type.fail(f"'{text}' is outside the years {FIRST_YEAR}-{LAST_YEAR}", param, ctx)


class Date(click.ParamType[date]):
    """A day written YYYY-MM-DD, between 2000 and 2100."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            day = date.fromisoformat(text)
        except ValueError:
            self.fail(f"'{text}' is not a date: write it as YYYY-MM-DD, e.g. 2026-03-02", param, ctx)
        _in_range(self, day, text, param, ctx)
        return day


class Instant(click.ParamType[datetime]):
    """An ISO 8601 date or date and time, between 2000 and 2100; naive until `in_zone` places it."""

    name = "ISO"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail(f"'{text}' is not a date and time: write it as 2026-03-02T09:00 or 2026-03-02T09:00:00Z", param, ctx)
        _in_range(self, moment, text, param, ctx)
        return moment


def in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """A moment with no offset read as the school's time (`zone`); one with an offset kept."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


class OutFile(click.Path):
    """A file to write: not a folder, and its folder must already exist (nothing is created on the way)."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = cast(Path, super().convert(value, param, ctx))  # path_type=Path
        folder = path.parent
        if not folder.is_dir():
            state = "is not a folder" if folder.exists() else "does not exist"
            self.fail(f"the folder {folder} {state}: create it first or write somewhere else", param, ctx)
        return path


DATE = Date()
INSTANT = Instant()
