"""The loader: the shipped workflows.yaml loads, and every mistake is named as FILE:LINE:COL: message."""

from __future__ import annotations

from pathlib import Path

import pytest

import workflows
from tests.conftest import WORKFLOW
from workflows import InvalidDefinition, Unit


def shipped(*edits: tuple[str, str]) -> str:
    """The shipped workflows.yaml with each `old` text (found exactly once) replaced by `new`."""
    text = WORKFLOW.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} should occur once in workflows.yaml"
        text = text.replace(old, new)
    return text


def problems(text: str) -> list[str]:
    with pytest.raises(InvalidDefinition) as raised:
        workflows.load_text(text)
    return [str(problem) for problem in raised.value.problems]


def test_shipped_workflow_loads() -> None:
    spec = workflows.load(WORKFLOW).spec
    assert spec.initial_stage == "reported"
    assert len(spec.stages) == 13
    assert len(spec.actions) == 14
    assert spec.stages["reported"].deadlines[0].after.unit is Unit.SCHOOL_DAYS
    assert spec.actions["acknowledge"].from_ == ("reported",)
    assert spec.sources("refer_to_authorities") == spec.open_stages


def test_unknown_key_suggests_the_closest_known_one() -> None:
    old = "    title: Reported\n    description: The incident"
    text = shipped((old, "    title: Reported\n    deadline: []\n    description: The incident"))
    assert problems(text) == ["workflows.yaml:59:5: unknown key 'deadline' (did you mean 'deadlines'?)"]


def test_unknown_key_with_nothing_close_gets_no_suggestion() -> None:
    text = shipped(("    title: Reported\n", "    title: Reported\n    colour: red\n"))
    assert problems(text) == ["workflows.yaml:59:5: unknown key 'colour'"]


def test_misspelt_required_key_is_both_unknown_and_missing() -> None:
    text = shipped(("    title: Reported\n", "    titel: Reported\n"))
    assert problems(text) == [
        "workflows.yaml:57:3: 'title' is missing in stages.reported",
        "workflows.yaml:58:5: unknown key 'titel' (did you mean 'title'?)",
    ]


def test_missing_key_points_at_the_mapping_that_lacks_it() -> None:
    text = shipped(("    from: reported\n    to: gathering_evidence\n", "    from: reported\n"))
    assert problems(text) == ["workflows.yaml:145:3: 'to' is missing in actions.acknowledge"]


def test_text_where_a_yes_or_no_belongs_is_a_wrong_type() -> None:
    text = shipped(("initial: true", "initial: maybe"))
    assert problems(text) == [
        "workflows.yaml:60:14: stages.reported.initial: Input should be a valid boolean, unable to interpret input",
    ]


def test_a_single_name_where_a_list_belongs_is_a_wrong_type() -> None:
    fields = "\n    fields:\n      staff_reassured"
    text = shipped(("    roles: [headteacher]" + fields, "    roles: headteacher" + fields))
    assert problems(text) == ["workflows.yaml:149:12: actions.acknowledge.roles: should be a list, such as [a, b]"]


def test_an_empty_value_where_a_mapping_belongs_is_a_wrong_type() -> None:
    text = shipped(("  staff:              {label: Member of staff}", "  staff:"))
    assert problems(text) == ["workflows.yaml:39:9: roles.staff: should be a mapping of keys and values (key: value)"]


def test_unknown_field_type_lists_the_known_ones() -> None:
    field = "meeting_date: {label: Date of the meeting, type: "
    text = shipped((field + "date}", field + "datetime}"))
    assert problems(text) == [
        "workflows.yaml:160:56: actions.arrange_meeting.fields.meeting_date.type: "
        "Input should be 'text', 'date', 'choice' or 'yes_no'",
    ]


def test_from_of_the_wrong_shape_says_what_it_takes() -> None:
    text = shipped(("    from: reported\n", "    from: {stage: reported}\n"))
    assert problems(text) == [
        "workflows.yaml:147:11: actions.acknowledge.from: write a stage name, a list of stage names, or '*' for every open stage",
    ]


def test_bad_name_in_a_from_list_is_reported_once() -> None:
    text = shipped(("    from: reported\n", "    from: [Reported]\n"))
    assert problems(text) == [
        "workflows.yaml:147:12: actions.acknowledge.from.0: 'Reported' is not a valid name: "
        "use lower-case letters, digits and '_', starting with a letter",
    ]


def test_bad_stage_name_points_at_the_key() -> None:
    text = shipped(("  closed:\n    title: Closed\n", "  Closed:\n    title: Closed\n"))
    assert problems(text) == [
        "workflows.yaml:139:3: stages: 'Closed' is not a valid name: "
        "use lower-case letters, digits and '_', starting with a letter",
    ]


def test_duplicate_top_level_key_is_refused_at_its_second_occurrence() -> None:
    text = shipped(("name: Online complaints", "name: Once\nname: Online complaints"))
    assert problems(text) == ["workflows.yaml:17:1: 'name' appears twice here: keep one"]


def test_duplicate_nested_key_is_refused() -> None:
    text = shipped(("    to: gathering_evidence\n", "    to: gathering_evidence\n    to: closed\n"))
    assert problems(text) == ["workflows.yaml:149:5: 'to' appears twice here: keep one"]


def test_unclosed_flow_mapping_is_a_syntax_error() -> None:
    text = shipped(("{label: Headteacher,", "{label: Headteacher"))
    assert problems(text) == ["workflows.yaml:35:54: not valid YAML: expected ',' or '}', but got ':'"]


def test_wrong_indentation_is_a_syntax_error() -> None:
    text = shipped(("    title: Gathering evidence\n", "      title: Gathering evidence\n"))
    assert problems(text) == ["workflows.yaml:68:5: not valid YAML: expected <block end>, but found '<block mapping start>'"]


def test_tab_indentation_is_a_syntax_error() -> None:
    text = shipped(("  reported:\n", "\treported:\n"))
    assert problems(text) == ["workflows.yaml:57:1: not valid YAML: found character '\\t' that cannot start any token"]


def test_control_character_is_placed_at_its_line_and_column() -> None:
    text = shipped(("  headteacher:        {label", "  head\x07teacher:        {label"))
    assert problems(text) == [
        "workflows.yaml:35:7: not valid YAML: character #x0007 is not allowed: special characters are not allowed",
    ]


def test_unknown_tag_is_placed_at_its_value() -> None:
    text = shipped(("{label: Headteacher,", "{label: !foo Headteacher,"))
    assert problems(text) == [
        "workflows.yaml:35:31: cannot read 'Headteacher': could not determine a constructor for the tag '!foo'",
    ]


def test_impossible_date_is_a_problem_not_a_crash() -> None:
    text = shipped(("name: Online complaints against the school community", "name: 2024-02-30"))
    assert problems(text) == [
        "workflows.yaml:16:7: cannot read '2024-02-30': day is out of range for month; put it in quotes if it is text",
    ]


def test_deeply_nested_document_is_a_problem_not_a_crash() -> None:
    assert problems("[" * 5000) == ["workflows.yaml:1:1: the document is nested too deeply"]


def test_document_that_is_a_list_is_refused() -> None:
    assert problems("- reported\n- closed\n") == [
        "workflows.yaml:1:1: the file: should be a mapping of keys and values (key: value)",
    ]


@pytest.mark.parametrize("after", ["1 week", "three school days", "2.5 days", "5"])
def test_bad_duration_shows_how_to_write_one(after: str) -> None:
    text = shipped(("after: 1 school day,", f"after: {after},"))
    assert problems(text) == [
        f"workflows.yaml:63:45: stages.reported.deadlines.0.after: '{after}' is not a duration: "
        "write it as '3 school days', '2 days' or '48 hours'",
    ]


def test_zero_duration_is_refused() -> None:
    text = shipped(("after: 1 school day,", "after: 0 school days,"))
    assert problems(text) == ["workflows.yaml:63:45: stages.reported.deadlines.0.after: a duration must be at least 1"]


@pytest.mark.parametrize(
    ("after", "amount", "unit"),
    [("1 school day", 1, Unit.SCHOOL_DAYS), ("3 days", 3, Unit.DAYS), ("48 hours", 48, Unit.HOURS)],
)
def test_every_duration_unit_is_read(after: str, amount: int, unit: Unit) -> None:
    spec = workflows.load_text(shipped(("after: 1 school day,", f"after: {after},"))).spec
    deadline = spec.stages["reported"].deadlines[0].after
    assert (deadline.amount, deadline.unit) == (amount, unit)


def test_deadline_that_both_reminds_and_escalates_is_refused() -> None:
    old = "remind: [headteacher], repeat: 1 school day"
    text = shipped((old + "}", old + ", escalate: resolve}"))
    assert problems(text) == [
        "workflows.yaml:63:9: stages.reported.deadlines.0: "
        "a deadline either reminds (remind: [roles]) or escalates (escalate: ACTION), not both or neither",
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file_is_refused(text: str) -> None:
    assert problems(text) == ["workflows.yaml:1:1: the file is empty: it must describe a workflow"]


def test_missing_file_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(InvalidDefinition) as raised:
        workflows.load(path)
    assert [str(p) for p in raised.value.problems] == [f"{path}:1:1: no such file: give the path of a workflows.yaml"]


def test_problems_name_the_file_they_were_read_from(tmp_path: Path) -> None:
    path = tmp_path / "school.yaml"
    path.write_text(shipped(("    title: Reported\n", "    title: Reported\n    colour: red\n")), encoding="utf-8")
    with pytest.raises(InvalidDefinition) as raised:
        workflows.load(path)
    assert [str(p) for p in raised.value.problems] == [f"{path}:59:5: unknown key 'colour'"]
