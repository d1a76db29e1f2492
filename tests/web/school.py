"""Cases that put each role in a different relation to a case, built in one line each."""

from __future__ import annotations

from dataclasses import dataclass

from engine.commands import cases, records
from engine.context import Redress
from tests.conftest import COORDINATOR, HEAD, SAM

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


@dataclass(frozen=True)
class School:
    logged: int
    """Opened by the coordinator, about Sam: the coordinator's own case, a matter for Sam."""
    escalated: int
    """Opened by the headteacher, about Sam, escalated to the chair."""
    prejudice: int
    """A racist or homophobic comment, about nobody on the staff: the equalities manager's."""
    other: int
    """The headteacher's, about nobody: only the headteacher sees it (and the coordinator's log)."""
    files: dict[int, int]
    """case id -> the id of an evidence file on it."""


def open_case(app: Redress, by: str, *categories: str, staff: tuple[str, ...] = (), summary: str = "") -> int:
    details = cases.OpenCase(
        categories=categories,
        summary=summary or f"Posts in the {categories[0]} category",
        staff=staff,
        platform="Facebook",
        link="https://facebook.example/groups/parents/1",
    )
    return cases.open_case(app, by, details)


def build(app: Redress) -> School:
    logged = open_case(app, COORDINATOR, "staff_offensive", staff=(SAM,))
    escalated = open_case(app, HEAD, "staff_defamation", staff=(SAM,))
    cases.take_action(app, escalated, "escalate_to_chair", HEAD, {"reason": "the parent keeps posting"})
    prejudice = open_case(app, HEAD, "racist_or_homophobic")
    other = open_case(app, HEAD, "school_complaint")
    files = {
        case_id: records.add_evidence_file(app, case_id, HEAD, PNG, "screenshot.png").id
        for case_id in (logged, escalated, prejudice, other)
    }
    return School(logged, escalated, prejudice, other, files)
