"""The named powers of engine.rules.access, with no database: every power the workflow language knows is
one the engine asks about, and who holds each comes from the workflow's `permissions:` block, nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

import workflows
from engine.rules import access
from engine.rules.access import Power, Viewer
from workflows.powers import POWERS

SPEC = workflows.load(Path(__file__).resolve().parents[2] / "workflows.yaml").spec


def viewer(*roles: str) -> Viewer:
    return Viewer.of(SPEC, 1, "p@school.example", "Person", roles)


def test_every_power_the_workflow_language_knows_is_named_in_the_engine_and_no_other() -> None:
    assert {str(power) for power in Power} == set(POWERS)


def test_the_holders_are_those_the_workflow_declares_and_change_with_it() -> None:
    assert {str(power): access.holders(SPEC, power) for power in Power} == {power: SPEC.holders(power) for power in POWERS}
    changed = SPEC.model_copy(update={"permissions": {**SPEC.permissions, "resend_email": ("chair",)}})
    assert access.may_resend_email(Viewer.of(changed, 1, "p@school.example", "Person", ["chair"]))
    assert not access.may_resend_email(Viewer.of(changed, 1, "p@school.example", "Person", ["headteacher"]))


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        (("headteacher",), True),
        (("coordinator",), True),
        (("chair",), False),
        (("equalities_manager",), False),
        (("staff",), False),
        ((), False),
        (("staff", "coordinator"), True),
    ],
)
def test_email_is_resent_by_the_headteacher_and_the_coordinator(roles: tuple[str, ...], allowed: bool) -> None:
    assert access.may_resend_email(viewer(*roles)) is allowed


def test_a_power_refused_names_who_holds_it() -> None:
    assert (
        access.only(SPEC, Power.RESEND_EMAIL, "resend email")
        == "only the Headteacher or the e-Safety coordinator may resend email"
    )
    assert access.only(SPEC, Power.MIGRATE_CASES, "move a case") == "only the Headteacher may move a case"


def test_holding_a_power_needs_one_of_its_roles() -> None:
    assert access.holds(SPEC, {"chair", "staff"}, Power.READ_REPORT)
    assert not access.holds(SPEC, {"staff"}, Power.READ_REPORT)
    assert access.holders(SPEC, Power.OVERSEE_ESAFETY) == frozenset({"nominated_director"})  # not assumed to be the chair
