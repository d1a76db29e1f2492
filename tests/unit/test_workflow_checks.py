"""The static checks: one small broken workflow per rule, each refused at the line that is wrong."""

from __future__ import annotations

from collections.abc import Collection

import pytest

import workflows
from tests.unit.workflow_base import workflow
from workflows import InvalidDefinition


def problems(*edits: tuple[str, str], templates: Collection[str] | None = None) -> list[str]:
    with pytest.raises(InvalidDefinition) as raised:
        workflows.load_text(workflow(*edits), "w.yaml", templates)
    return [str(problem) for problem in raised.value.problems]


def test_base_workflow_passes_every_check() -> None:
    spec = workflows.load_text(workflow(), "w.yaml", templates={"new_case", "case_closed", "deadline_reminder"}).spec
    assert spec.initial_stage == "reported"


# --- stages -----------------------------------------------------------------------------------


def test_no_initial_stage_is_refused_at_stages() -> None:
    assert problems(("    initial: true\n", "")) == [
        "w.yaml:15:1: no stage is marked 'initial: true': mark the one a new case starts in",
    ]


def test_second_initial_stage_is_refused() -> None:
    assert problems(("    title: With the chair\n", "    title: With the chair\n    initial: true\n")) == [
        "w.yaml:24:14: stage 'with_chair' is a second initial stage: only one may be",
    ]


def test_stage_both_initial_and_final_is_refused() -> None:
    assert problems(("    title: Closed\n", "    title: Closed\n    initial: true\n")) == [
        "w.yaml:28:14: stage 'closed' is a second initial stage: only one may be",
        "w.yaml:29:12: stage 'closed' is both initial and final",
    ]


def test_unreachable_stage_is_refused_at_its_name() -> None:
    assert problems(("    to: with_chair\n", "    to: closed\n")) == [
        "w.yaml:22:3: stage 'with_chair' cannot be reached from 'reported': add an action that leads to it",
    ]


def test_stage_with_no_way_out_is_refused() -> None:
    assert problems(("    from: [reported, with_chair]\n", "    from: [reported]\n")) == [
        "w.yaml:22:3: stage 'with_chair' has no way out: add an action from it, or mark it final",
    ]


def test_an_action_back_into_the_same_stage_is_no_way_out() -> None:
    loop = "  wait:\n    title: Wait\n    from: with_chair\n    to: with_chair\n    roles: [chair]\n"
    assert problems(("    from: [reported, with_chair]\n", "    from: [reported]\n"), ("actions:\n", "actions:\n" + loop)) == [
        "w.yaml:22:3: stage 'with_chair' has no way out: add an action from it, or mark it final",
    ]


def test_open_stage_without_deadline_is_refused() -> None:
    assert problems(("    deadlines:\n      - {name: chase_chair, after: 3 days, remind: [chair]}\n", "")) == [
        "w.yaml:22:3: stage 'with_chair' has no deadline: a case could wait there unnoticed",
    ]


def test_final_stage_with_deadlines_is_refused() -> None:
    deadline = "    deadlines:\n      - {name: archive, after: 30 days, remind: [head]}\n"
    assert problems(("    final: true\n", "    final: true\n" + deadline)) == [
        "w.yaml:30:7: final stage 'closed' cannot have deadlines: nothing waits there",
    ]


def test_deadline_name_used_twice_in_a_stage_is_refused() -> None:
    assert problems(("{name: overdue,", "{name: chase,")) == [
        "w.yaml:21:16: deadline 'chase' appears twice in stage 'reported'",
    ]


# --- roles ------------------------------------------------------------------------------------


def test_missing_system_role_is_refused() -> None:
    assert problems(("  system: {label: Redress}\n", "")) == [
        "w.yaml:5:1: the role 'system' is missing: automatic actions are taken by it",
        "w.yaml:33:19: unknown role or relation 'system'",
    ]


def test_name_that_is_both_role_and_relation_is_refused() -> None:
    assert problems(("  reporter: {label: Reporter}\n", "  reporter: {label: Reporter}\n  chair: {label: Chair}\n")) == [
        "w.yaml:11:10: 'chair' is both a role and a relation: rename one",
    ]


# --- references -------------------------------------------------------------------------------


def test_unknown_source_stage_is_refused() -> None:
    assert problems(("    from: [reported, with_chair]\n", "    from: [reported, with_chair, limbo]\n")) == [
        "w.yaml:37:34: unknown stage 'limbo'",
    ]


def test_action_from_a_final_stage_is_refused() -> None:
    assert problems(("    from: [reported, with_chair]\n", "    from: [reported, with_chair, closed]\n")) == [
        "w.yaml:37:34: 'closed' is a final stage: no action can be taken from it",
    ]


def test_unknown_target_stage_is_refused_with_a_suggestion() -> None:
    assert problems(("    to: with_chair\n", "    to: with_chiar\n")) == [
        "w.yaml:22:3: stage 'with_chair' cannot be reached from 'reported': add an action that leads to it",
        "w.yaml:33:9: unknown stage 'with_chiar' (did you mean 'with_chair'?)",
    ]


def test_unknown_role_in_an_action_is_refused_with_a_suggestion() -> None:
    assert problems(("    roles: [head, chair]\n", "    roles: [head, chiar]\n")) == [
        "w.yaml:39:19: unknown role or relation 'chiar' (did you mean 'chair'?)",
    ]


def test_unknown_role_who_may_open_a_case_is_refused() -> None:
    assert problems(("  roles: [head]\n", "  roles: [hed]\n")) == [
        "w.yaml:12:11: unknown role 'hed' (did you mean 'head'?) (who may open a case)",
    ]


def test_system_may_not_open_a_case() -> None:
    assert problems(("  roles: [head]\n", "  roles: [head, system]\n")) == [
        "w.yaml:12:17: 'system' cannot open a case: it only takes automatic actions",
    ]


def test_unknown_guard_is_refused_with_a_suggestion() -> None:
    assert problems(("guards: [has_evidence]", "guards: [has_evidense]")) == [
        "w.yaml:40:14: unknown guard 'has_evidense' (did you mean 'has_evidence'?)",
    ]


def test_unknown_category_in_a_notification_is_refused() -> None:
    assert problems(("if_category: [rude]", "if_category: [rud]")) == [
        "w.yaml:44:63: unknown category 'rud' (did you mean 'rude'?)",
    ]


def test_unknown_recipient_of_a_notification_is_refused() -> None:
    assert problems(("to: [reporter]", "to: [reportr]")) == [
        "w.yaml:44:38: unknown role or relation 'reportr' (did you mean 'reporter'?)",
    ]


def test_unknown_recipient_of_a_reminder_is_refused() -> None:
    assert problems(("remind: [chair]", "remind: [chiar]")) == [
        "w.yaml:25:53: unknown role or relation 'chiar' (did you mean 'chair'?)",
    ]


# --- escalations ------------------------------------------------------------------------------


def test_escalation_to_an_unknown_action_is_refused() -> None:
    assert problems(("escalate: escalate}", "escalate: escalat}")) == [
        "w.yaml:21:57: unknown action 'escalat' (did you mean 'escalate'?)",
    ]


def test_escalation_must_be_takeable_from_its_stage() -> None:
    overdue = "      - {name: overdue, after: 5 days, escalate: escalate}\n"
    assert problems(("remind: [chair]}\n", "remind: [chair]}\n" + overdue)) == [
        "w.yaml:26:50: 'escalate' cannot be taken from stage 'with_chair': add 'with_chair' to its 'from'",
    ]


def test_escalation_must_be_takeable_by_the_system() -> None:
    assert problems(("    roles: [head, system]\n", "    roles: [head]\n")) == [
        "w.yaml:21:57: 'escalate' cannot be taken by 'system': add 'system' to its roles",
    ]


def test_escalation_action_may_not_require_fields_other_than_its_reason() -> None:
    fields = "    fields:\n      note: {label: A note}\n      met_on: {label: A date, type: date}\n"
    assert problems(("    roles: [head, system]\n", "    roles: [head, system]\n" + fields)) == [
        "w.yaml:21:57: 'escalate' has required fields, which the system cannot fill in",
    ]


def test_escalation_action_may_require_a_reason_which_the_system_gives() -> None:
    fields = "    fields:\n      reason: {label: Why}\n"
    assert workflows.load_text(workflow(("    roles: [head, system]\n", "    roles: [head, system]\n" + fields)))


def test_escalation_action_may_have_optional_fields() -> None:
    fields = "    fields:\n      note: {label: A note, required: false}\n"
    assert workflows.load_text(workflow(("    roles: [head, system]\n", "    roles: [head, system]\n" + fields)))


# --- ambiguity --------------------------------------------------------------------------------


def test_two_actions_with_the_same_title_from_a_stage_are_refused() -> None:
    assert problems(("    title: Close\n", "    title: escalate to the Chair\n")) == [
        "w.yaml:36:12: 'close' and 'escalate' are both called 'escalate to the Chair' in stage 'reported': "
        "give them distinct titles",
    ]


def test_two_actions_that_do_the_same_thing_from_a_stage_are_refused() -> None:
    twin = (
        "  close_now:\n    title: Close now\n    from: reported\n    to: closed\n    roles: [chair, head]\n"
        "    guards: [has_evidence]\n    fields:\n      reason: {label: Why}\n"
    )
    assert problems(("if_category: [rude]}\n", "if_category: [rude]}\n" + twin)) == [
        "w.yaml:45:3: 'close_now' and 'close' do the same thing from stage 'reported': merge them",
    ]


# --- templates --------------------------------------------------------------------------------


def test_templates_are_not_checked_unless_given() -> None:
    assert workflows.load_text(workflow(("template: case_closed", "template: case_closd")))


def test_unknown_template_is_refused_when_templates_are_given() -> None:
    known = {"new_case", "case_closed", "deadline_reminder"}
    assert problems(("template: case_closed", "template: case_closd"), templates=known) == [
        "w.yaml:44:20: unknown template 'case_closd' (did you mean 'case_closed'?)",
    ]


def test_reminders_need_their_default_template_when_templates_are_given() -> None:
    assert problems(templates={"new_case", "case_closed"}) == [
        "w.yaml:20:9: unknown template 'deadline_reminder'",
        "w.yaml:25:9: unknown template 'deadline_reminder'",
    ]


def test_every_problem_is_reported_at_once() -> None:
    found = problems(("guards: [has_evidence]", "guards: [has_evidense]"), ("remind: [chair]", "remind: [chiar]"))
    assert len(found) == 2


def test_a_relation_redress_cannot_work_out_is_refused() -> None:
    [problem] = problems(
        ("  reporter: {label: Reporter}", "  reporter: {label: Reporter}\n  parent_governor: {label: Parent governor}")
    )
    assert problem.startswith("w.yaml:11:3: unknown relation 'parent_governor'")
    assert problem.endswith(": Redress knows staff_concerned, reporter")


# --- permissions ------------------------------------------------------------------------------


def test_unknown_power_is_refused_at_its_name_with_the_closest_known_one() -> None:
    assert problems(("  resend_email: [head]\n", "  resend_email: [head]\n  resend_emails: [head]\n")) == [
        "w.yaml:53:3: unknown power 'resend_emails' (did you mean 'resend_email'?)",
    ]


def test_power_given_to_an_undeclared_role_is_refused() -> None:
    assert problems(("  read_report: [head, chair]\n", "  read_report: [head, chiar]\n")) == [
        "w.yaml:49:23: unknown role 'chiar' (did you mean 'chair'?)",
    ]


def test_power_given_to_a_relation_is_refused() -> None:
    assert problems(("  keep_records: [head, chair]\n", "  keep_records: [head, reporter]\n")) == [
        "w.yaml:50:24: 'reporter' is a relation, held case by case: give 'keep_records' to roles",
    ]


def test_power_given_to_the_system_is_refused() -> None:
    assert problems(("  receive_digest: [head]\n", "  receive_digest: [system]\n")) == [
        "w.yaml:55:20: 'system' is Redress itself: it holds no power",
    ]


def test_power_missing_from_the_block_says_what_to_add() -> None:
    assert problems(("  migrate_cases: [head]\n", "")) == [
        "w.yaml:45:1: power 'migrate_cases' is not given to anyone: add 'migrate_cases: [roles]' under 'permissions', "
        "naming who may move an open case to the current version of the workflow ([] for nobody)",
    ]


def test_power_given_to_nobody_on_purpose_is_accepted() -> None:
    spec = workflows.load_text(workflow(("  resend_email: [head]\n", "  resend_email: []\n")), "w.yaml").spec
    assert spec.holders("resend_email") == frozenset()


def test_missing_permissions_block_lists_every_power_to_add() -> None:
    text = workflow()
    without = text[: text.index("permissions:\n")]
    with pytest.raises(InvalidDefinition) as raised:
        workflows.load_text(without, "w.yaml")
    assert [str(p) for p in raised.value.problems] == [
        "w.yaml:1:1: the 'permissions' block is missing: add 'permissions:' with a line 'POWER: [roles]' for each of "
        + ", ".join(workflows.POWERS),
    ]


# --- the case record: the main path, how an action is told, reopening ---------------------------


def test_two_primary_actions_from_one_stage_are_refused_at_the_second() -> None:
    assert problems(
        ("    roles: [head, system]\n", "    roles: [head, system]\n    primary: true\n"),
        ("    roles: [head, chair]\n", "    roles: [head, chair]\n    primary: true\n"),
    ) == [
        "w.yaml:41:14: 'close' and 'escalate' are both primary from stage 'reported': the next step is one action, "
        "so mark only one of them 'primary: true'",
    ]


def test_one_primary_action_per_stage_passes() -> None:
    text = workflow(("    roles: [head, system]\n", "    roles: [head, system]\n    primary: true\n"))
    spec = workflows.load_text(text, "w.yaml").spec
    assert spec.actions["escalate"].primary and not spec.actions["close"].primary


def test_a_record_naming_a_field_the_action_lacks_is_refused() -> None:
    assert problems(
        (
            "      reason: {label: Why it is closed}\n",
            "      reason: {label: Why it is closed}\n    record: 'closed because {why}'\n",
        )
    ) == [
        "w.yaml:43:13: 'record' of 'close' names 'why', which is not one of its fields (reason): write {field} for an answer",
    ]


def test_reopening_into_a_final_stage_or_by_an_unknown_role_is_refused() -> None:
    assert problems(("permissions:\n", "reopen: {to: closed, roles: [head, caretaker]}\npermissions:\n")) == [
        "w.yaml:45:14: 'closed' is a final stage: a case is reopened into an open stage",
        "w.yaml:45:36: unknown role 'caretaker'",
    ]


def test_reopening_into_an_open_stage_passes() -> None:
    spec = workflows.load_text(
        workflow(("permissions:\n", "reopen: {to: with_chair, roles: [head]}\npermissions:\n")), "w.yaml"
    ).spec
    assert spec.reopen is not None and spec.reopen.to == "with_chair"


def test_an_action_recording_a_meeting_needs_a_date_field() -> None:
    assert problems(
        (
            "      reason: {label: Why it is closed}\n",
            "      reason: {label: Why it is closed}\n    meeting: {held_on: reason, attendees: everyone}\n",
        )
    ) == [
        "w.yaml:43:24: 'reason' is not a required date field of 'close'",
    ]
