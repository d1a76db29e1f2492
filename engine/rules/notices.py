"""Which of the emails a command would send each person actually go: plain rules, no database.

A threat is dealt with the same day, with the safety of the person named first. Several notifications of
one command may each carry that urgency (the opening's threat warning, the police referral, the safety
email to the staff member named): a person hears it once, in the most specific of them, and never twice
in one case. The staff member named in a threat case gets the safety email instead of the ordinary
reassurance.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from typing import TypeVar

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
    chosen, seen = [], set()
    for template, person in wanted:
        if (template, person) in seen or (template, person) in dropped:
            continue
        if template in URGENT and best.get(person) != template:
            continue
        seen.add((template, person))
        chosen.append((template, person))
    return chosen
