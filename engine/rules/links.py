"""Memory across cases, as plain rules: when two cases look like the same poster or the same thread, when
linked cases make a course of conduct, and when the defamation limitation runs out. No database."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit, urlunsplit

BASES = ("poster", "platform", "thread", "manual")
"""Why two cases are linked: the same poster, the same platform account, the same link or thread, or a person's judgement."""
CONDUCT_THRESHOLD = 2
"""A course of conduct is conduct on at least two occasions (Protection from Harassment Act 1997, s.7(3))."""
LIMITATION_MONTHS = 12
"""A defamation claim must be brought within a year of publication (Limitation Act 1980, s.4A)."""
REMINDER_MONTHS_BEFORE = 1
LIMITATION_DEADLINE = "defamation_limitation"
"""The name of the reminder timer a case with a first-publication date carries: no workflow's deadline, and
never cancelled or paused by the case's moves (only by its closing, or a corrected date)."""


def same_name(name: str | None) -> str:
    """A poster's name as compared across cases: case and spacing ignored."""
    return " ".join((name or "").split()).casefold()


def thread_of(link: str | None) -> str:
    """A post's address as compared across cases: scheme and host in lower case, no 'www.', no fragment, no
    trailing slash ('' for none)."""
    if not link or not link.strip():
        return ""
    parts = urlsplit(link.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/"), parts.query, ""))


def spellings(thread: str) -> tuple[str, ...]:
    """The addresses a post at `thread` (as `thread_of` gives it) may have been recorded with: with and without
    'www.' and a trailing slash."""
    scheme, _, rest = thread.partition("://")
    host, slash, path = rest.partition("/")
    found = []
    for name in (host, f"www.{host}"):
        base = f"{scheme}://{name}{slash}{path}"
        found += [base, base.rstrip("/") + "/"]
    return tuple(dict.fromkeys(found))


def course_of_conduct(occasions: int) -> bool:
    return occasions >= CONDUCT_THRESHOLD


def conduct_wording(occasions: int) -> str:
    return (
        f"Course of conduct: {occasions} occasions — the Protection from Harassment Act 1997 threshold is "
        f"{_WORDS.get(CONDUCT_THRESHOLD, str(CONDUCT_THRESHOLD))}"
    )


_WORDS = {2: "two", 3: "three"}


def months_after(day: date, months: int) -> date:
    """The same day `months` later (or earlier, negative), the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def limitation_date(first_published_on: date) -> date:
    """The last day a defamation claim about a publication on this date may be brought (12 months on)."""
    return months_after(first_published_on, LIMITATION_MONTHS)


def reminder_date(first_published_on: date) -> date:
    """When the headteacher is reminded that the limitation runs out: one month before it does."""
    return months_after(limitation_date(first_published_on), -REMINDER_MONTHS_BEFORE)
