"""Parameter types the commands share, each refusing a bad value with one line before anything runs.

An id fits a 64-bit column; a date or instant falls within 2000-2100 (the years Redress can
count school days in); a file to write goes into a folder that exists.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
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


def _in_range(
    param_type: click.ParamType[Any], value: date, text: str, param: click.Parameter | None, ctx: click.Context | None
) -> None:
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


class Rule(click.ParamType[str]):
    """Text held to one of the engine's input rules (engine.rules.inputs), by name: refused before anything runs.

    The engine checks the same rule again; checking here names the option in the message."""

    def __init__(self, rule: str, metavar: str = "TEXT") -> None:
        self.rule, self.name = rule, metavar

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from engine.errors import BadInput
        from engine.rules import inputs

        check: Callable[[str], str] = getattr(inputs, self.rule)
        try:
            return check(str(value))
        except BadInput as exc:
            self.fail(str(exc), param, ctx)


NAME, TEXT, SUMMARY, URL, EMAIL = Rule("name"), Rule("text"), Rule("summary"), Rule("url", "URL"), Rule("email", "EMAIL")


class InFile(click.ParamType[Path]):
    """A regular file to read: a folder, a FIFO, a device (/dev/zero) or a socket is refused by its kind,
    before it is opened (opening a FIFO would wait for a writer; a device never ends)."""

    name = "FILE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        path = Path(value)
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            self.fail(f"{path}: {exc.strerror or 'cannot be read'}", param, ctx)
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a pipe, a device or a socket)"
            self.fail(f"{path} is {kind}: give a saved file", param, ctx)
        return path


IN_FILE = InFile()
