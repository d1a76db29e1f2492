"""The named powers of engine.rules.access, with no database: who holds each, and that the table is
exactly what the shipped workflows.yaml declares, so reading `workflow.permissions` instead is one change."""

from __future__ import annotations

from pathlib import Path

import pytest

import workflows
from engine.rules import access
from engine.rules.access import POWER_HOLDERS, Power, Viewer
from workflows.powers import POWERS

SPEC = workflows.load(Path(__file__).resolve().parents[2] / "workflows.yaml").spec


def viewer(*roles: str) -> Viewer:
    return Viewer(1, "p@school.example", "Person", frozenset(roles))


def test_every_power_the_workflow_language_knows_is_named_in_the_engine_and_no_other() -> None:
    assert {str(power) for power in Power} == set(POWERS)
    assert set(POWER_HOLDERS) == set(Power)


def test_the_engines_holders_are_those_the_shipped_workflow_declares() -> None:
    assert {str(power): roles for power, roles in POWER_HOLDERS.items()} == {power: SPEC.holders(power) for power in POWERS}


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
    assert access.only(Power.RESEND_EMAIL, "resend email") == "only the coordinator or the headteacher may resend email"
    assert access.only(Power.MIGRATE_CASES, "move a case") == "only the headteacher may move a case"


def test_holding_a_power_needs_one_of_its_roles() -> None:
    assert access.holds({"chair", "staff"}, Power.READ_REPORT)
    assert not access.holds({"staff"}, Power.READ_REPORT)
    assert access.holders(Power.OVERSEE_ESAFETY) == frozenset({"chair"})
