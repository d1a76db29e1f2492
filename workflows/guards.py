"""The guards a workflow may name: conditions an action needs before it can be taken.

A guard needs code, so it is added here once, by name, and then used from YAML.
Each one reads only the small `CaseFacts` view, so the rules run with no database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CaseFacts:
    """What a guard may know about a case."""

    stage: str
    categories: tuple[str, ...] = ()
    evidence_count: int = 0
    meeting_count: int = 0
    facts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """The answers given with each action so far, under the action's name ({action: {field: value}}),
    the action taken last at the end."""
    tracks: Mapping[str, str] = field(default_factory=dict)
    """The stage of each track the case has started (a finished track at its final stage)."""
    established: frozenset[str] = frozenset()
    """The facts the workflow says the case's tracks have established where they stand (a track stage's
    `establishes:`, such as the removal track's `removed` establishing `removal_confirmed`)."""

    def answer(self, action: str, name: str) -> Any:
        """What was answered to field `name` of `action`, if it was taken."""
        return self.facts.get(action, {}).get(name)

    def latest(self, name: str) -> Any:
        """The answer to field `name` given with the action taken most recently that asked it."""
        for answers in reversed(list(self.facts.values())):
            if name in answers:
                return answers[name]
        return None


STAFF_ALLEGATION = "staff_allegation"
"""The shipped workflow's category of allegations about staff (KCSIE Part four applies to them)."""


def _removal_confirmed(case: CaseFacts) -> bool:
    """The last `removal_confirmed` given was yes, or a track stands at a stage the workflow says establishes it
    (`establishes: [removal_confirmed]`: the posts recorded as removed, at whatever stage the case is)."""
    return case.latest("removal_confirmed") is True or "removal_confirmed" in case.established


@dataclass(frozen=True)
class Guard:
    description: str
    refusal: str
    """Said to the person when the guard does not hold: what to do first."""
    holds: Callable[[CaseFacts], bool]
    fixed: bool = False
    """It reads only what no step of the procedure changes (the categories): an action it blocks is not offered."""


RELATIONS: dict[str, str] = {
    "staff_concerned": "the members of staff a case is about",
    "reporter": "the person who logged the case",
}
"""The relations a workflow may declare: who holds one is worked out by code, so each is named here once."""

GUARDS: dict[str, Guard] = {
    "has_evidence": Guard(
        "at least one evidence item is on the case",
        "the case has no evidence yet: add a screenshot or a link first",
        lambda case: case.evidence_count > 0,
    ),
    "meeting_recorded": Guard(
        "a meeting has been recorded on the case",
        "no meeting is recorded on the case yet: record the meeting first",
        lambda case: case.meeting_count > 0,
    ),
    "allegation_against_staff": Guard(
        "the case is an allegation made about school staff",
        "only an allegation made about school staff is found malicious: the case's categories do not include one",
        lambda case: STAFF_ALLEGATION in case.categories,
        fixed=True,
    ),
    "removal_confirmed": Guard(
        "the removal of the posts has been confirmed",
        "the removal of the posts has not been confirmed: record that the posts were removed first",
        _removal_confirmed,
    ),
}
