"""The loader: the shipped workflows.yaml loads, and every mistake is named as FILE:LINE:COL: message."""

from __future__ import annotations

from pathlib import Path

import pytest

import workflows
from tests.conftest import WORKFLOW
from tests.unit.workflow_base import workflow
from workflows import InvalidDefinition, Unit


def problems(text: str) -> list[str]:
    with pytest.raises(InvalidDefinition) as raised:
        workflows.load_text(text, "w.yaml")
    return [str(problem) for problem in raised.value.problems]


def test_shipped_workflow_loads() -> None:
    spec = workflows.load(WORKFLOW).spec
    assert spec.initial_stage == "reported"
    assert {"resolved", "redirected_to_complaints", "closed"} <= {n for n, s in spec.stages.items() if s.final}
    assert spec.stages["reported"].deadlines[0].after.unit is Unit.SCHOOL_DAYS
    assert spec.actions["acknowledge"].from_ == ("reported",)
    assert spec.sources("refer_to_authorities") == tuple(s for s in spec.open_stages if s != "referred_to_authorities")


def test_the_example_in_the_language_reference_loads() -> None:
    doc = (WORKFLOW.parent / "docs" / "workflow-language.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    spec = workflows.load_text(example).spec
    assert spec.initial_stage == "reported"


def test_minimal_workflow_loads() -> None:
    spec = workflows.load_text(workflow()).spec
    assert list(spec.stages) == ["reported", "with_chair", "closed"]
    assert spec.actions["close"].from_ == ("reported", "with_chair")


# --- keys -------------------------------------------------------------------------------------


def test_unknown_key_suggests_the_closest_known_one() -> None:
    text = workflow(("    title: Reported\n", "    title: Reported\n    deadline: []\n"))
    assert problems(text) == ["w.yaml:18:5: unknown key 'deadline' (did you mean 'deadlines'?)"]


def test_unknown_key_with_nothing_close_gets_no_suggestion() -> None:
    text = workflow(("    title: Reported\n", "    title: Reported\n    colour: red\n"))
    assert problems(text) == ["w.yaml:18:5: unknown key 'colour'"]


def test_misspelt_required_key_is_both_unknown_and_missing() -> None:
    text = workflow(("    title: Reported\n", "    titel: Reported\n"))
    assert problems(text) == [
        "w.yaml:16:3: 'title' is missing in stages.reported",
        "w.yaml:17:5: unknown key 'titel' (did you mean 'title'?)",
    ]


def test_missing_key_points_at_the_mapping_that_lacks_it() -> None:
    assert problems(workflow(("    to: with_chair\n", ""))) == ["w.yaml:30:3: 'to' is missing in actions.escalate"]


def test_missing_top_level_key_names_the_top_level() -> None:
    assert problems(workflow(("name: A small procedure\n", ""))) == ["w.yaml:1:1: 'name' is missing in the top level"]


def test_duplicate_top_level_key_is_refused_at_its_second_occurrence() -> None:
    text = workflow(("name: A small procedure\n", "name: A small procedure\nname: Again\n"))
    assert problems(text) == ["w.yaml:2:1: 'name' appears twice here: keep one"]


def test_duplicate_nested_key_is_refused() -> None:
    text = workflow(("    to: closed\n", "    to: closed\n    to: with_chair\n"))
    assert problems(text) == ["w.yaml:39:5: 'to' appears twice here: keep one"]


def test_bad_stage_name_points_at_the_key() -> None:
    assert problems(workflow(("  closed:\n", "  Closed:\n"))) == [
        "w.yaml:26:3: stages: 'Closed' is not a valid name: use lower-case letters, digits and '_', starting with a letter",
    ]


def test_key_that_is_not_text_is_refused() -> None:
    assert problems(workflow(("  rude: {label", "  yes: {label"))) == ["w.yaml:3:3: a key must be a plain word, such as 'title'"]


# --- types ------------------------------------------------------------------------------------


def test_text_where_a_yes_or_no_belongs_is_a_wrong_type() -> None:
    assert problems(workflow(("initial: true", "initial: maybe"))) == [
        "w.yaml:18:14: stages.reported.initial: Input should be a valid boolean, unable to interpret input",
    ]


def test_a_single_name_where_a_list_belongs_is_a_wrong_type() -> None:
    assert problems(workflow(("    roles: [head, chair]\n", "    roles: head\n"))) == [
        "w.yaml:39:12: actions.close.roles: should be a list, such as [a, b]",
    ]


def test_an_empty_value_where_a_mapping_belongs_is_a_wrong_type() -> None:
    assert problems(workflow(("  chair: {label: Chair}\n", "  chair:\n"))) == [
        "w.yaml:7:9: roles.chair: should be a mapping of keys and values (key: value)",
    ]


def test_unknown_field_type_lists_the_known_ones() -> None:
    assert problems(workflow(("{label: Why it is closed}", "{label: Why it is closed, type: essay}"))) == [
        "w.yaml:42:47: actions.close.fields.reason.type: Input should be 'text', 'date', 'choice' or 'yes_no'",
    ]


def test_choice_field_without_choices_is_refused() -> None:
    assert problems(workflow(("{label: Why it is closed}", "{label: Why it is closed, type: choice}"))) == [
        "w.yaml:42:15: actions.close.fields.reason: a choice field needs 'choices'",
    ]


def test_from_of_the_wrong_shape_says_what_it_takes() -> None:
    assert problems(workflow(("    from: reported\n", "    from: {stage: reported}\n"))) == [
        "w.yaml:32:11: actions.escalate.from: write a stage name, a list of stage names, or '*' for every open stage",
    ]


def test_bad_name_in_a_from_list_is_reported_once() -> None:
    assert problems(workflow(("    from: [reported, with_chair]\n", "    from: [reported, With_chair]\n"))) == [
        "w.yaml:37:22: actions.close.from.1: 'With_chair' is not a valid name: "
        "use lower-case letters, digits and '_', starting with a letter",
    ]


def test_document_that_is_a_list_is_refused() -> None:
    assert problems("- reported\n- closed\n") == ["w.yaml:1:1: the file: should be a mapping of keys and values (key: value)"]


# --- durations --------------------------------------------------------------------------------


@pytest.mark.parametrize("after", ["1 week", "three school days", "2.5 days", "5", "[2, days]"])
def test_bad_duration_shows_how_to_write_one(after: str) -> None:
    shown = after.replace("[2, days]", "[2, 'days']")
    assert problems(workflow(("after: 2 school days,", f"after: {after},"))) == [
        f"w.yaml:20:30: stages.reported.deadlines.0.after: '{shown}' is not a duration: "
        "write it as '3 school days', '1 working day', '2 days', '48 hours' or '1 calendar month'",
    ]


def test_zero_duration_is_refused() -> None:
    assert problems(workflow(("after: 2 school days,", "after: 0 school days,"))) == [
        "w.yaml:20:30: stages.reported.deadlines.0.after: a duration must be at least 1",
    ]


@pytest.mark.parametrize(
    ("after", "amount", "unit"),
    [
        ("1 school day", 1, Unit.SCHOOL_DAYS),
        ("4 school days", 4, Unit.SCHOOL_DAYS),
        ("3 days", 3, Unit.DAYS),
        ("48 hours", 48, Unit.HOURS),
    ],
)
def test_every_duration_unit_is_read(after: str, amount: int, unit: Unit) -> None:
    spec = workflows.load_text(workflow(("after: 2 school days,", f"after: {after},"))).spec
    deadline = spec.stages["reported"].deadlines[0].after
    assert (deadline.amount, deadline.unit) == (amount, unit)


def test_deadline_that_both_reminds_and_escalates_is_refused() -> None:
    assert problems(workflow(("remind: [head]}", "remind: [head], escalate: escalate}"))) == [
        "w.yaml:20:9: stages.reported.deadlines.0: "
        "a deadline either reminds (remind: [roles]) or escalates (escalate: ACTION), not both or neither",
    ]


# --- YAML syntax ------------------------------------------------------------------------------


def test_unclosed_flow_mapping_is_a_syntax_error() -> None:
    assert problems(workflow(("{label: Chair}", "{label: Chair"))) == [
        "w.yaml:8:9: not valid YAML: expected ',' or '}', but got ':'",
    ]


def test_wrong_indentation_is_a_syntax_error() -> None:
    assert problems(workflow(("    title: With the chair\n", "      title: With the chair\n"))) == [
        "w.yaml:24:5: not valid YAML: expected <block end>, but found '<block mapping start>'",
    ]


def test_tab_indentation_is_a_syntax_error() -> None:
    assert problems(workflow(("  with_chair:\n", "\twith_chair:\n"))) == [
        "w.yaml:22:1: not valid YAML: found character '\\t' that cannot start any token",
    ]


def test_control_character_is_placed_at_its_line_and_column() -> None:
    assert problems(workflow(("  chair: {label", "  ch\x07air: {label"))) == [
        "w.yaml:7:5: not valid YAML: character #x0007 is not allowed: special characters are not allowed",
    ]


def test_unknown_tag_is_placed_at_its_value() -> None:
    assert problems(workflow(("{label: Chair}", "{label: !foo Chair}"))) == [
        "w.yaml:7:18: cannot read 'Chair': could not determine a constructor for the tag '!foo'",
    ]


def test_impossible_date_is_a_problem_not_a_crash() -> None:
    assert problems(workflow(("name: A small procedure", "name: 2024-02-30"))) == [
        "w.yaml:1:7: cannot read '2024-02-30': day is out of range for month; put it in quotes if it is text",
    ]


def test_value_that_contradicts_its_tag_is_a_problem_not_a_crash() -> None:
    assert problems(workflow(("name: A small procedure", "name: !!int abc"))) == [
        "w.yaml:1:7: cannot read 'abc': invalid literal for int() with base 10: 'abc'; put it in quotes if it is text",
    ]


def test_alias_that_contains_itself_is_refused() -> None:
    assert problems("a: &loop\n  b: *loop\n") == ["w.yaml:1:4: an alias refers to itself: write the value out"]


def test_deeply_nested_document_is_a_problem_not_a_crash() -> None:
    assert problems("[" * 5000) == ["w.yaml:1:1: the document is nested too deeply"]


def test_alias_bomb_is_refused_by_size() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6)
    )
    assert problems(bomb) == ["w.yaml:1:1: the document has more than 50000 values"]


# --- files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file_is_refused(text: str) -> None:
    assert problems(text) == ["w.yaml:1:1: the file is empty: it must describe a workflow"]


def test_missing_file_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(InvalidDefinition) as raised:
        workflows.load(path)
    assert [str(p) for p in raised.value.problems] == [f"{path}:1:1: no such file: give the path of a workflows.yaml"]


def test_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(workflow().replace("Reported", "Signalé").encode("latin-1"))
    with pytest.raises(InvalidDefinition) as raised:
        workflows.load(path)
    [problem] = raised.value.problems
    assert (problem.file, problem.line, problem.column) == (str(path), 1, 1)
    assert problem.message.startswith("cannot read the file: 'utf-8' codec can't decode byte 0xe9")


def test_problems_name_the_file_they_were_read_from(tmp_path: Path) -> None:
    path = tmp_path / "school.yaml"
    path.write_text(workflow(("    title: Reported\n", "    title: Reported\n    colour: red\n")), encoding="utf-8")
    with pytest.raises(InvalidDefinition) as raised:
        workflows.load(path)
    assert [str(p) for p in raised.value.problems] == [f"{path}:18:5: unknown key 'colour'"]
