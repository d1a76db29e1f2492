"""The retention schedule: how long a closed case's content is kept, by category and outcome, and from when.

Written in `redress.toml` as `[[retention_rules]]` tables, which replace the defaults below as a whole; the
first rule that matches a case applies. Each default names its source. A school's data protection officer
should check them against its own retention policy: the IRMS toolkit is guidance, and a school may keep
records longer where it has a reason it can explain.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CountedFrom = Literal["closure", "allegation", "retirement_or_allegation"]
"""closure: the day the case closed; allegation: the day it was opened (the allegation recorded);
retirement_or_allegation: the later of the member of staff's normal retirement date and `years` after
the allegation (KCSIE). Redress does not hold staff dates of birth, so a case under that rule is listed
for review by hand and never purged automatically."""

_NAME = re.compile(r"[a-z][a-z0-9_]{0,59}")


class RetentionRule(BaseModel):
    """One line of the schedule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="a short key such as complaints, kept in each certificate")
    title: str = Field(min_length=1, description="the rule in people's words, shown in the plan and the certificates")
    source: str = Field(min_length=1, description="where the period comes from (the IRMS toolkit, KCSIE, the school's policy)")
    categories: tuple[str, ...] = Field((), description="category keys it applies to (none: every category)")
    outcomes: tuple[str, ...] = Field((), description="outcomes it applies to, as the workflow words them (none: every outcome)")
    years: int = Field(ge=0, le=100, description="how many years the content is kept")
    counted_from: CountedFrom = Field("closure", description="closure, allegation or retirement_or_allegation")

    @model_validator(mode="after")
    def _named(self) -> RetentionRule:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"retention rule name '{self.name}' must be lower-case letters, digits and _")
        return self


IRMS = "IRMS Information Management Toolkit for Schools (2019)"
KCSIE = "Keeping Children Safe in Education (KCSIE 2025), Part four"

DEFAULT_RULES: tuple[RetentionRule, ...] = (
    # KCSIE Part four, "Record keeping": details of allegations found to be malicious should be removed
    # from personnel records. Redress removes them when the case closes (and the purge catches any left).
    RetentionRule(
        name="malicious_allegation",
        title="Allegation against staff found malicious: its details are removed",
        source=f"{KCSIE}, record keeping: details of allegations found to be malicious are removed from records",
        categories=("staff_allegation",),
        outcomes=("found malicious",),
        years=0,
        counted_from="closure",
    ),
    # KCSIE Part four, "Record keeping", and IRMS toolkit 1.1 (allegations of a child protection nature
    # against staff, including unfounded ones): kept until the person's normal retirement age, or 10 years
    # from the date of the allegation if that is longer.
    RetentionRule(
        name="allegation_against_staff",
        title="Allegation against staff: kept until their normal retirement age or 10 years from the allegation, whichever is longer",
        source=f"{KCSIE}, record keeping; {IRMS}, allegations of a child protection nature against staff",
        categories=("staff_allegation",),
        outcomes=(),
        years=10,
        counted_from="retirement_or_allegation",
    ),
    # IRMS toolkit, pupil records and child protection information: the pupil's date of birth + 25 years.
    # Redress holds no dates of birth; 25 years from closure is never shorter.
    RetentionRule(
        name="about_pupils",
        title="Matter about pupils: kept 25 years from closure (the toolkit's period runs from the pupil's birth)",
        source=f"{IRMS}, pupil records and child protection information: date of birth + 25 years",
        categories=("pupil_allegation", "pupil_offensive"),
        outcomes=(),
        years=25,
        counted_from="closure",
    ),
    # IRMS toolkit, complaints files: the date the complaint was resolved + a minimum of 6 years, then review.
    RetentionRule(
        name="complaints",
        title="Complaint or online matter: kept 6 years from closure",
        source=f"{IRMS}, complaints files: date of resolution + a minimum of 6 years",
        categories=(),
        outcomes=(),
        years=6,
        counted_from="closure",
    ),
)
"""The schedule a school starts from: the first rule that matches a case applies."""
