"""The transitions machine built from the shipped spec, and the spec's content hash."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from transitions import Machine, MachineError

import workflows
from tests.conftest import WORKFLOW
from workflows import Workflow


class Case:
    """A plain object, as the engine attaches for the length of one command."""

    state: str


Attach = Callable[[str], Case]


@pytest.fixture(scope="module")
def spec() -> Workflow:
    return workflows.load(WORKFLOW).spec


@pytest.fixture(scope="module")
def machine(spec: Workflow) -> Machine:
    return workflows.build_machine(spec)


@pytest.fixture
def attach(machine: Machine) -> Iterator[Attach]:
    attached: list[Case] = []

    def at(stage: str) -> Case:
        case = Case()
        machine.add_model(case, initial=stage)
        attached.append(case)
        return case

    yield at
    for case in attached:
        machine.remove_model(case)
    assert machine.models == []


def drive(machine: Machine, case: Case, *actions: str) -> list[str]:
    """Take each action in turn; return the stages passed through."""
    stages = []
    for action in actions:
        machine.events[action].trigger(case)
        stages.append(case.state)
    return stages


def test_a_case_starts_in_the_initial_stage(machine: Machine) -> None:
    case = Case()
    machine.add_model(case)
    try:
        assert case.state == "reported"
    finally:
        machine.remove_model(case)


def test_the_full_procedure_runs_from_report_to_closed_after_legal_advice(machine: Machine, attach: Attach) -> None:
    case = attach("reported")
    actions = (
        "acknowledge",
        "arrange_meeting",
        "record_meeting_outcome",
        "confirm_removal",
        "give_warning",
        "escalate_to_chair",
        "record_chair_meeting",
        "seek_legal_advice",
        "close_after_legal_advice",
    )
    assert drive(machine, case, *actions) == [
        "gathering_evidence",
        "meeting_poster",
        "removal_requested",
        "warning",
        "outcome_review",
        "chair_meeting",
        "way_forward",
        "legal_advice",
        "closed",
    ]


@pytest.mark.parametrize("stage", ["outcome_review", "way_forward", "legal_advice"])
def test_a_case_is_resolved_from_each_stage_that_allows_it(machine: Machine, attach: Attach, stage: str) -> None:
    assert drive(machine, attach(stage), "resolve") == ["resolved"]


@pytest.mark.parametrize("stage", ["reported", "gathering_evidence", "meeting_poster"])
def test_a_case_is_redirected_to_the_complaints_procedure_early_on(machine: Machine, attach: Attach, stage: str) -> None:
    assert drive(machine, attach(stage), "redirect_to_complaints") == ["redirected_to_complaints"]


def test_a_case_is_referred_to_the_authorities_from_every_open_stage(machine: Machine, spec: Workflow, attach: Attach) -> None:
    for stage in spec.open_stages:
        if stage == "referred_to_authorities":
            with pytest.raises(MachineError):  # '*' never includes the stage the action leads to
                drive(machine, attach(stage), "refer_to_authorities")
            continue
        case = attach(stage)
        assert drive(machine, case, "refer_to_authorities", "close_after_referral") == ["referred_to_authorities", "closed"]


def test_the_system_escalation_moves_an_ignored_case_to_the_chair(machine: Machine, attach: Attach) -> None:
    assert drive(machine, attach("gathering_evidence"), "escalate_to_chair") == ["chair_meeting"]


def test_an_action_from_the_wrong_stage_raises_machine_error_and_leaves_the_stage(machine: Machine, attach: Attach) -> None:
    case = attach("reported")
    with pytest.raises(MachineError):
        machine.events["resolve"].trigger(case)
    assert case.state == "reported"


@pytest.mark.parametrize("stage", ["resolved", "redirected_to_complaints", "closed"])
def test_nothing_can_be_done_in_a_final_stage(machine: Machine, spec: Workflow, attach: Attach, stage: str) -> None:
    case = attach(stage)
    for action in spec.actions:
        with pytest.raises(MachineError):
            machine.events[action].trigger(case)


def test_the_machine_has_one_event_per_action_and_no_generated_ones(machine: Machine, spec: Workflow) -> None:
    assert set(machine.events) == set(spec.actions)


def test_a_detached_case_keeps_no_reference_on_the_machine(machine: Machine) -> None:
    case = Case()
    machine.add_model(case, initial="warning")
    machine.remove_model(case)
    assert case not in machine.models


# --- the content hash -------------------------------------------------------------------------


def _hash(text: str) -> str:
    return workflows.load_text(text).spec.content_hash


def test_content_hash_ignores_comments_and_the_order_of_keys() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    without_comments = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    reordered = (
        text.replace(
            "    title: Acknowledge and start the investigation\n    from: reported\n    to: gathering_evidence\n",
            "    to: gathering_evidence\n    from: reported\n    title: Acknowledge and start the investigation\n",
        )
        .replace(
            "  headteacher:        {label: Headteacher, description: Owns every case and advances it stage by stage}\n",
            "",
        )
        .replace(
            "  staff:              {label: Member of staff}\n",
            "  staff:              {label: Member of staff}\n"
            "  headteacher:        {description: Owns every case and advances it stage by stage, label: Headteacher}\n",
        )
    )
    assert reordered != text
    assert _hash(without_comments) == _hash(reordered) == _hash(text)


def test_content_hash_ignores_how_a_duration_is_spelt() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert _hash(text.replace("after: 1 school day,", "after:  1 school days,")) == _hash(text)


def test_content_hash_changes_when_a_deadline_changes() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert _hash(text.replace("after: 1 school day,", "after: 2 school days,")) != _hash(text)
    assert _hash(text.replace("after: 1 school day,", "after: 1 day,")) != _hash(text)


def test_content_hash_changes_when_who_holds_a_power_changes() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    line = "  resend_email:            [headteacher, coordinator]\n"
    assert text.count(line) == 1
    assert _hash(text.replace(line, "  resend_email:            [headteacher]\n")) != _hash(text)


def test_content_hash_ignores_the_order_roles_hold_a_power_in() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    line = "  resend_email:            [headteacher, coordinator]\n"
    assert _hash(text.replace(line, "  resend_email: [coordinator, headteacher]\n")) == _hash(text)


def test_who_holds_a_power_is_read_from_the_permissions_block() -> None:
    spec = workflows.load(WORKFLOW).spec
    assert spec.holders("resend_email") == {"headteacher", "coordinator"}
    assert spec.may({"staff", "coordinator"}, "resend_email")
    assert not spec.may({"chair"}, "resend_email")
    assert not spec.may({"headteacher"}, "no_such_power")
