"""Which of the emails a command would send each person actually go: plain rules, no database.

A threat is dealt with the same day, with the safety of the person named first. Several notifications of
one command may each carry that urgency (the opening's threat warning, the police referral, the safety
email to the staff member named): a person hears it once, in the most specific of them, and never twice
in one case. The staff member named in a threat case gets the safety email instead of the ordinary
reassurance. Whatever the notifications, a person gets one email per command: the urgent one if there is
one, else the first the workflow lists for them.

What an email may say is the reader's own sight of the case (engine.rules.access), decided here once for
every email of a case: someone who may not open the case in full is rendered a context cut down to what
they may know (`for_reader`), so no template, shipped or the school's own, can tell them more.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from typing import Any, TypeVar

from engine.rules.access import Sight

URGENT = ("staff_safety", "violence_threat", "authorities_referral")
"""The urgent family, most specific first: one of them per person per case."""
SUPERSEDES = {"staff_safety": "staff_reassurance"}
"""A person who gets the key's email this time does not also get the value's."""

P = TypeVar("P", bound=Hashable)


def family(template: str) -> str | None:
    return "urgent" if template in URGENT else None


def choose(wanted: Sequence[tuple[str, P]], already_urgent: Collection[P]) -> list[tuple[str, P]]:
    """The (template, person) pairs to send, in order, from those a command wants to send.

    `already_urgent` holds the people who already had an urgent email of this case (an earlier command)."""
    best: dict[P, str] = {}
    for template, person in wanted:
        if template in URGENT and person not in already_urgent:
            kept = best.get(person)
            if kept is None or URGENT.index(template) < URGENT.index(kept):
                best[person] = template
    dropped = {(SUPERSEDES[template], person) for person, template in best.items() if template in SUPERSEDES}
    chosen, told = [], set()
    for template, person in wanted:
        if person in told or (template, person) in dropped:
            continue
        if person in best and best[person] != template:
            continue  # their urgent email is the one they get
        if template in URGENT and best.get(person) != template:
            continue
        told.add(person)
        chosen.append((template, person))
    return chosen


MINIMAL = "minimal"
"""The email a reader gets when the template asks for more than the reader may know."""

LIMITED_CASE = ("id", "stage", "stage_title", "categories", "opened_at", "prejudice", "authorities")
"""What anyone the workflow emails about a case may know of it: its reference, category, the date it was
logged and its stage in people's words (as the incident log shows them). The flags follow from the category."""


def full_detail(sight: Sight, template: str, detail: str, full_templates: Collection[str]) -> bool:
    """Whether a reader with `sight` is sent `template` with everything: always when they may read the case in
    full; otherwise only when the school asked for full emails (`email_detail`, `email_full_templates`)."""
    return sight is Sight.FULL or detail == "full" or template in full_templates


def for_reader(context: Mapping[str, Any], sight: Sight, template: str, sign_in: str | None) -> dict[str, Any]:
    """The context cut down to what a reader who may not open the case in full may know.

    No summary, platform, link, names (the actor, the people), action fields, reason or deadline: only the
    case's reference, category, date and stage, and a link. The staff member concerned (MATTER) is linked to
    the case, where they see the matter; anyone else to the sign-in page, since the case page is not theirs."""
    case = context["case"]
    limited = {key: case[key] for key in LIMITED_CASE if key in case}
    url = case.get("url") if sight is Sight.MATTER else sign_in
    limited.update(platform=None, link=None, url=url)
    return {
        "case": limited,
        "actor": None,
        "action": None,
        "deadline": None,
        "reason": None,
        "event": template,
    }


def digest_for(context: Mapping[str, Any], sights: Mapping[int, Sight]) -> dict[str, Any]:
    """The daily digest as one reader may read it: a case they see in full as it is; one they may know only as
    a line of the incident log with its category in place of its summary; one they may not know of, left out."""

    def seen(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = []
        for item in items:
            sight = sights.get(item["id"], Sight.NONE)
            if sight is Sight.FULL:
                kept.append(item)
            elif sight is not Sight.NONE:
                kept.append({**item, "summary": "; ".join(item.get("categories", ())) or "an online complaint"})
        return kept

    return {**context, "overdue": seen(context["overdue"]), "due_soon": seen(context["due_soon"])}
