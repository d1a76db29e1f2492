"""Letters from a case: which there are, how each may be sent, when each may be written.

Pure rules, one set for every door (the case page, the API, `redress case letter`): the engine's
letter command asks them, and the pages and the API list them in these words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.errors import BadInput
from engine.rules import inputs
from engine.rules.access import Power, only
from workflows import Workflow


@dataclass(frozen=True)
class LetterKind:
    """A letter Redress drafts: its title in people's words, and to whom it is written."""

    name: str
    title: str
    to_platform: bool = False
    """Written to the platform the posts are on, not to the poster."""
    after_meeting: bool = False
    """Only once a meeting with the poster was tried (arranged or held)."""


LETTERS: dict[str, LetterKind] = {
    k.name: k
    for k in (
        LetterKind("meeting_invitation", "Invitation to a meeting"),
        LetterKind("removal_request", "Request to remove the posts"),
        LetterKind("legal_warning", "Warning of possible legal action"),
        LetterKind("harassment_warning", "Harassment warning"),
        LetterKind("site_ban", "Notice of a ban from the school site", after_meeting=True),
        LetterKind("platform_takedown", "Takedown request to the platform", to_platform=True),
    )
}
"""Every letter, in the order the case page offers them (the templates are notifications' LETTER_KINDS)."""

METHODS: dict[str, str] = {"post": "by post", "email": "by email", "hand": "by hand"}
"""How a letter was sent: the value each door takes, and how the record says it."""

LETTER_MAX = inputs.TEXT_MAX
"""The longest letter kept: the input rules' longest text."""

MEETING_FIELD, PLACE_FIELD = "meeting_date", "meeting_place"
"""The workflow fields that say when and where a meeting with the poster was arranged (any action's)."""


def who_writes(spec: Workflow) -> str:
    """The refusal for someone without the letters power, in the workflow's words: 'only the Headteacher may ...'."""
    return only(spec, Power.WRITE_LETTERS, "write to the poster")


def letter_kind(name: str) -> LetterKind:
    """The letter called `name`, or a refusal naming those there are."""
    found = LETTERS.get(name)
    if found is None:
        raise BadInput(f"there is no letter '{name}': the letters are {', '.join(LETTERS)}", field="kind")
    return found


def method(value: str) -> str:
    """How a letter was sent: post, email or hand (by hand)."""
    cleaned = value.strip().lower().removeprefix("by ").strip()
    if cleaned not in METHODS:
        raise BadInput("say how the letter was sent: by post, by email or by hand", field="method")
    return cleaned


def letter_text(value: str) -> str:
    """The letter as sent: paragraphs, not empty, up to LETTER_MAX characters."""
    return inputs.text(value, "the letter", limit=LETTER_MAX, required=True)


def arranged_meeting(facts: dict[str, dict[str, Any]]) -> tuple[date | None, str | None]:
    """The meeting with the poster arranged last: the date (and place, if the workflow asks one) the latest
    action that has a `meeting_date` field recorded. Facts keep the action taken last at the end."""
    when: date | None = None
    where: str | None = None
    for answers in (facts or {}).values():
        if isinstance(answers, dict) and isinstance(answers.get(MEETING_FIELD), str):
            try:
                when = date.fromisoformat(answers[MEETING_FIELD])
            except ValueError:
                continue
            place = answers.get(PLACE_FIELD)
            where = place if isinstance(place, str) and place.strip() else None
    return when, where


def may_write(kind: LetterKind, meeting_tried: bool, platform: str | None) -> str | None:
    """Why this letter cannot be written for the case yet, in people's words; None when it can."""
    if kind.after_meeting and not meeting_tried:
        return "a ban from the school site comes after a meeting with the poster was tried: arrange or record one first"
    if kind.to_platform and not (platform or "").strip():
        return "the case does not say which platform the posts are on: correct the case's details first"
    return None


@dataclass(frozen=True)
class LetterOption:
    """A letter the case page offers: its name and title, and why it cannot be written yet (None when it can)."""

    kind: str
    title: str
    blocked: str | None


def meeting_tried(facts: dict[str, dict[str, Any]], meetings: int) -> bool:
    """A meeting with the poster was tried: one was arranged (a `meeting_date` recorded) or one was held."""
    return meetings > 0 or arranged_meeting(facts)[0] is not None


def options(tried: bool, platform: str | None) -> tuple[LetterOption, ...]:
    """Every letter, each with the reason it cannot be written for the case yet, if any."""
    return tuple(LetterOption(k.name, k.title, may_write(k, tried, platform)) for k in LETTERS.values())


def long_day(value: date) -> str:
    """'Monday 30 November 2026': a day as a letter writes it."""
    return f"{value:%A} {value.day} {value:%B %Y}"
