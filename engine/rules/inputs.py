"""The one set of rules for what a person types, whatever the door (the forms, the API, the command line).

Each rule is a length and a pattern, defined once here: the engine's commands check them (so every
door gets them), the API's request models publish the same length and pattern in the OpenAPI document,
the forms and the command line's parameter types call the same functions. A refusal is one `BadInput`
naming the field and what to do. The patterns are written once, in the subset of regular expressions
that Python, JSON Schema (ECMA 262) and pydantic's Rust engine read alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, tzinfo

from engine.errors import BadInput, Refused
from notifications.address import ADDRESS_MAX, check_address

NAME_MAX = 200
"""A person's, a role's, a platform's name: one line."""
TEXT_MAX = 10_000
"""A note, a meeting's notes, a description: several paragraphs."""
SUMMARY_MAX = 5_000
"""A case's summary, shown in every email about the case."""
URL_MAX = 2_000
DESCRIPTION_MAX = 2_000
"""What a piece of evidence shows; who attended a meeting."""
EMAIL_MAX = ADDRESS_MAX
FIRST_DAY = date(2000, 1, 1)
"""No record in Redress happened before this day."""
LAST_YEAR = 2100
"""The last year the school-day calendar can count in (a deadline, a date in the future)."""
SKEW = timedelta(minutes=5)
"""How far past the server's clock a moment typed as 'now' on another machine may be."""

_C0_C1 = r"\x00-\x1f\x7f-\x9f"
_TEXT_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # tab, newline and carriage return are text
NAME_PATTERN = rf"^[^\s={_C0_C1}](?:[^={_C0_C1}]|=+[^=?{_C0_C1}])*=*$"
"""One line, starting with a visible character; no control characters, no MIME encoded-word (`=?`)."""
TEXT_PATTERN = rf"^[^{_TEXT_CONTROLS}]*$"
"""Any text without control characters other than tab and line breaks (may be empty)."""
TEXT_REQUIRED_PATTERN = rf"^[\t\n\r ]*[^\s{_C0_C1}][^{_TEXT_CONTROLS}]*$"
"""As TEXT_PATTERN, holding at least one visible character."""
URL_PATTERN = (
    r"^[hH][tT][tT][pP][sS]?://[^\s/?#@:\[\]\\" + _C0_C1 + r"]+(?::[0-9]{1,5})?"
    r"(?:[/?#][^\s" + _C0_C1 + r"]*)?$"
)
"""An http or https address with a host: never `javascript:`, `data:` or `file:`."""
_EMAIL_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_EMAIL_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^{_EMAIL_ATOM}(?:\.{_EMAIL_ATOM})*@{_EMAIL_LABEL}(?:\.{_EMAIL_LABEL})*\.[A-Za-z][A-Za-z0-9-]*$"
"""The ASCII form of what `notifications.check_address` accepts (which also takes an internationalised
domain, converted to punycode); that function stays the one rule, this is how the API publishes it."""
DATE_PATTERN = r"^20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"
"""A day written YYYY-MM-DD in this century (whether it has happened is checked against the clock)."""
INSTANT_PATTERN = (
    DATE_PATTERN[:-1] + r"T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])$"
)
"""A moment written ISO 8601 with its offset: 2026-03-02T09:00:00Z, 2026-03-02T09:00+01:00."""

_NAME, _TEXT, _TEXT_REQUIRED, _URL = (re.compile(p) for p in (NAME_PATTERN, TEXT_PATTERN, TEXT_REQUIRED_PATTERN, URL_PATTERN))


def _shown(value: str, limit: int = 60) -> str:
    """A value quoted in a message: control characters escaped, cut short."""
    cut = value if len(value) <= limit else value[:limit] + "..."
    return "'" + "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in cut) + "'"


def _length(field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise BadInput(f"{field} is {len(value)} characters long: keep it to {limit}")


def _no_controls(field: str, value: str, allowed: str = "") -> None:
    controls = _CONTROLS.get(allowed)
    if controls is None:  # the C0 and C1 control characters, but those `allowed`
        banned = "".join(ch for ch in map(chr, [*range(32), *range(0x7F, 0xA0)]) if ch not in allowed)
        controls = _CONTROLS[allowed] = re.compile(f"[{re.escape(banned)}]")
    if controls.search(value):
        raise BadInput(f"{field} holds control characters: type it again")
    if _SURROGATES.search(value):
        raise BadInput(f"{field} holds characters that are not text: type it again")


_CONTROLS: dict[str, re.Pattern[str]] = {}
_SURROGATES = re.compile("[\ud800-\udfff]")


def name(value: str, field: str = "the name", *, limit: int = NAME_MAX) -> str:
    """One line of 1 to NAME_MAX characters, trimmed: a person's name, a platform, a pupil reference."""
    value = value.strip()
    if not value:
        raise BadInput(f"{field} is empty")
    _length(field, value, limit)
    _no_controls(field, value)
    if not _NAME.fullmatch(value):
        raise BadInput(f"{field} may not contain '=?' (it would read as encoded text in an email)")
    return value


def text(value: str, field: str = "the text", *, limit: int = TEXT_MAX, required: bool = False) -> str:
    """Paragraphs of up to `limit` characters, trimmed, with line breaks as \\n."""
    _length(field, value, limit)
    _no_controls(field, value, "\t\n\r")
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not value:
        raise BadInput(f"{field} is empty")
    return value


def summary(value: str) -> str:
    return text(value, "the summary", limit=SUMMARY_MAX, required=True)


def url(value: str, field: str = "the link") -> str:
    """An http or https address of up to URL_MAX characters."""
    value = value.strip()
    _length(field, value, URL_MAX)
    _no_controls(field, value)
    if not _URL.fullmatch(value):
        raise BadInput(f"{_shown(value)} is not a web link: give the full address, starting https://")
    return value


def email(value: str) -> str:
    """An address a mail server will take, in normal form (the domain lower-cased, as people are stored)."""
    try:
        return check_address(value).lower()
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def today_in(now: datetime, zone: tzinfo) -> date:
    return now.astimezone(zone).date()


def past_date(value: date, now: datetime, zone: tzinfo, field: str = "the date") -> date:
    """A day that has happened: from FIRST_DAY to today in the school's zone."""
    return happened_by(value, today_in(now, zone), field)


def happened_by(value: date, today: date, field: str = "the date") -> date:
    """A day that has happened by `today` (a workflow's `past: true` date field), no earlier than FIRST_DAY."""
    if value < FIRST_DAY:
        raise BadInput(f"{field} {value.isoformat()} is before {FIRST_DAY.year}: give the real date")
    if value > today:
        raise BadInput(f"{field} {value.isoformat()} is in the future (today is {today.isoformat()}): give the day it happened")
    return value


def past_instant(value: datetime, now: datetime, field: str = "the time") -> datetime:
    """A moment that has happened (a few minutes' clock difference forgiven), no earlier than FIRST_DAY."""
    if value.tzinfo is None:
        raise BadInput(f"{field} has no time zone")
    if value.date() < FIRST_DAY:
        raise BadInput(f"{field} {value.date().isoformat()} is before {FIRST_DAY.year}: give the real date")
    if value > now + SKEW:
        raise BadInput(f"{field} {value.isoformat(timespec='minutes')} is in the future: give when it happened")
    return value


def calendar_date(value: date, field: str = "the date") -> date:
    """A day Redress can count school days to: FIRST_DAY to the end of LAST_YEAR."""
    if not FIRST_DAY <= value <= date(LAST_YEAR, 12, 31):
        raise BadInput(f"{field} {value.isoformat()} is outside the years {FIRST_DAY.year}-{LAST_YEAR}")
    return value


@contextmanager
def about(key: str) -> Iterator[None]:
    """A refusal raised inside is about the input field `key` (as the command's input calls it), so a form
    can link its message to that field (the GOV.UK error summary); one already naming a field is left be."""
    try:
        yield
    except BadInput as exc:
        if all(field is None for field, _ in exc.problems):
            raise BadInput(str(exc), field=key) from None
        raise


def optional_name(value: str | None, field: str, *, limit: int = NAME_MAX) -> str | None:
    return name(value, field, limit=limit) if value is not None and value.strip() else None


def names(values: Iterable[str], field: str) -> list[str]:
    """Several one-line names (pupil references, categories), blanks left out, each checked."""
    return [name(v, field) for v in values if v.strip()]


def check_record_open(case_id: int, closed_at: datetime | None) -> None:
    """Nothing is added to the record of a closed case (notes, links, evidence, meetings): one message for all."""
    if closed_at is not None:
        raise Refused(f"case {case_id} is closed: its record is complete, and nothing more can be added to it")
