"""The retention schedule applied to one closed case: which rule, from when, until when, and whether its
content is due to be erased. Pure: the caller reads the case and passes today's date in the school's zone."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from engine.settings_retention import RetentionRule


def day(value: date) -> str:
    """'Thu 4 Dec 2025': a day as people write it."""
    return f"{value:%a} {value.day} {value:%b %Y}"


Status = Literal["due", "held", "kept", "review"]
"""due: its period is over; held: a legal hold stops it; kept: its period runs on; review: a person must
decide (its rule needs a date Redress does not hold)."""


@dataclass(frozen=True)
class Assessment:
    case_id: int
    rule: RetentionRule
    status: Status
    due_on: date | None
    why: str
    """In people's words: the rule, from when, until when, and what stops it if anything does."""


def rule_for(rules: Sequence[RetentionRule], categories: Collection[str], outcome: str | None) -> RetentionRule | None:
    """The first rule whose categories (if it names any) include one of the case's and whose outcomes (if it
    names any) include the case's outcome."""
    for rule in rules:
        if rule.categories and not set(rule.categories) & set(categories):
            continue
        if rule.outcomes and (outcome or "") not in rule.outcomes:
            continue
        return rule
    return None


def add_years(start: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February in a common year)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def assess(
    case_id: int,
    rule: RetentionRule,
    *,
    opened_on: date,
    closed_on: date,
    held_reason: str | None,
    today: date,
) -> Assessment:
    kept = f"{rule.years} year{'s' if rule.years != 1 else ''}"
    if rule.counted_from == "closure":
        due_on, since = add_years(closed_on, rule.years), f"closed on {day(closed_on)}"
    else:
        due_on, since = add_years(opened_on, rule.years), f"the allegation was recorded on {day(opened_on)}"
    period = f"{rule.title} ({rule.source}); {since}" + ("" if rule.years == 0 else f", {kept} runs to {day(due_on)}")
    if held_reason is not None:
        return Assessment(case_id, rule, "held", due_on, f"{period}. Under a legal hold ({held_reason}): never purged while held")
    if rule.counted_from == "retirement_or_allegation":
        return Assessment(
            case_id,
            rule,
            "review",
            due_on,
            f"{period}. Kept until the member of staff's normal retirement age if that is later: Redress does not hold "
            "it, so check their personnel record; never purged automatically",
        )
    if today >= due_on:
        return Assessment(case_id, rule, "due", due_on, f"{period}: due now")
    return Assessment(case_id, rule, "kept", due_on, f"{period}: kept until then")
