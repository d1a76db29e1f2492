"""The annual policy review, as rules: the policy's evaluation checklist, the answers it takes, the three
reviewers who sign it off, and the next review date their sign-off sets. Pure: no database.

"The practical application of this policy will be reviewed annually or when the need arises by the
coordinator, the Headteacher and the nominated Director." Each reviewer is a power of the workflow's
`permissions:` block (coordinate_esafety, head_school, oversee_esafety), never a guess from another role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.errors import BadInput
from engine.rules import inputs
from engine.rules.access import Power, Viewer

# The "Policy Evaluation" page at the end of the policy, point by point, in its order (numbered from 1).
CHECKLIST = (
    "Policy annually reviewed",
    "Policy in line with current legislation",
    "Coordinator in place",
    "Nominated Director in place",
    "Coordinator carries out role effectively",
    "Headteacher, coordinator and nominated Director work closely",
    "Policy endorsed by Directors",
    "Policy regularly discussed at meetings of the Directors",
    "School staff aware of this policy",
    "School staff comply with this policy",
    "Pupils aware of this policy",
    "Parents aware of this policy",
    "Visitors aware of this policy",
    "Local community aware of this policy",
    "Funding in place",
    "Policy complies with the Equality Act",
    "Equality Impact Assessment undertaken",
    "Policy referred to the School Handbook",
    "Policy available from the school office",
    "Policy available from the school website",
    "School Council involved with policy development",
    "All stakeholders take part in questionnaires and surveys",
    "All associated training in place",
    "All outlined procedures complied with",
    "Linked policies in place and up to date",
    "Associated policies in place and up to date",
)
STATEMENT = "A statement outlining the overall effectiveness of this policy"
ANSWERS = {"yes": "Yes", "no": "No", "na": "N/A"}
"""The answers the policy's form has columns for, by the key stored."""
_SPOKEN = {"yes": "yes", "y": "yes", "no": "no", "n": "no", "na": "na", "n/a": "na", "not applicable": "na"}


@dataclass(frozen=True)
class Reviewer:
    key: str
    title: str
    """People's words: 'the e-Safety coordinator'."""
    power: Power


REVIEWERS = (
    Reviewer("coordinator", "the e-Safety coordinator", Power.COORDINATE_ESAFETY),
    Reviewer("headteacher", "the headteacher", Power.HEAD_SCHOOL),
    Reviewer("nominated_director", "the nominated director", Power.OVERSEE_ESAFETY),
)
BY_KEY = {reviewer.key: reviewer for reviewer in REVIEWERS}


def capacities(viewer: Viewer) -> tuple[Reviewer, ...]:
    """The reviewers this person may sign as."""
    return tuple(reviewer for reviewer in REVIEWERS if viewer.can(reviewer.power))


def may_read_review(viewer: Viewer) -> bool:
    return viewer.can(Power.READ_ANNUAL_REVIEW) or bool(capacities(viewer))


def may_answer_review(viewer: Viewer) -> bool:
    """The three reviewers answer the checklist; the others who may read it only read it."""
    return bool(capacities(viewer))


def reviewer(key: str) -> Reviewer:
    found = BY_KEY.get(key.strip().lower().replace(" ", "_").replace("-", "_"))
    if found is None:
        names = ", ".join(f"'{r.key}' ({r.title})" for r in REVIEWERS)
        raise BadInput(f"'{key}' is not one of the reviewers the policy names: sign as {names}", field="capacity")
    return found


def point_number(value: int) -> int:
    if not 1 <= value <= len(CHECKLIST):
        raise BadInput(f"there is no point {value}: the checklist has points 1 to {len(CHECKLIST)}", field="point")
    return value


def answer_key(value: str, point: int) -> str:
    """'yes', 'no' or 'na' from what a person typed (Yes, N/A, not applicable...)."""
    key = _SPOKEN.get(value.strip().lower())
    if key is None:
        raise BadInput(
            f"answer '{CHECKLIST[point - 1]}' with Yes, No or N/A"
            if not value.strip()
            else f"'{value.strip()[:20]}' is not an answer to '{CHECKLIST[point - 1]}': answer Yes, No or N/A",
            field=f"answer-{point}",
        )
    return key


def evidence_note(value: str, point: int) -> str:
    with inputs.about(f"evidence-{point}"):
        return inputs.text(value, "the evidence note")


def statement(value: str) -> str:
    with inputs.about("statement"):
        return inputs.text(value, "the statement", required=True)


def review_year(year: int, today: date) -> int:
    """A year that has begun, and not before Redress's first day."""
    if not inputs.FIRST_DAY.year <= year <= today.year:
        raise BadInput(f"{year} is not a year that can be reviewed: give a year from {inputs.FIRST_DAY.year} to {today.year}")
    return year


def a_year_on(day: date) -> date:
    """The same day next year; 29 February falls on 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)
