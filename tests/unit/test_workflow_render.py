"""The drawings of a spec: text, Mermaid, Graphviz DOT and SVG, all from one graph model."""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.etree import ElementTree

import pytest

import workflows
from tests.conftest import WORKFLOW
from workflows import Workflow, render


@pytest.fixture(scope="module")
def spec() -> Workflow:
    return workflows.load(WORKFLOW).spec


def pairs(spec: Workflow) -> set[tuple[str, str, str]]:
    """Every (source stage, action, target stage), with '*' spelt out as each open stage but the target."""
    found = set()
    for name, action in spec.actions.items():
        every_open = [s for s, stage in spec.stages.items() if not stage.final and s != action.to]
        sources = every_open if action.from_ == "*" else action.from_
        found |= {(source, name, action.to) for source in sources}
    return found


def titled(spec: Workflow) -> set[tuple[str, str, str]]:
    """`pairs` as (source stage, target stage, action title): what a drawing shows."""
    return {(source, target, spec.actions[name].title) for source, name, target in pairs(spec)}


def odd_titles() -> Workflow:
    """The shipped workflow with titles full of characters that diagrams treat as syntax."""
    text = (
        WORKFLOW.read_text(encoding="utf-8")
        .replace("    title: Reported\n", "    title: 'Reported \"now\"; #1 <b> back\\slash'\n")
        .replace("    title: Acknowledge and start the investigation\n", '    title: "Say \\"yes\\"; {go} \\\\ on"\n')
    )
    return workflows.load_text(text).spec


def test_odd_titles_fixture_holds_the_characters_it_means_to() -> None:
    spec = odd_titles()
    assert spec.stages["reported"].title == 'Reported "now"; #1 <b> back\\slash'
    assert spec.actions["acknowledge"].title == 'Say "yes"; {go} \\ on'


# --- mermaid ----------------------------------------------------------------------------------


def test_mermaid_is_a_state_diagram_with_every_stage_titled(spec: Workflow) -> None:
    lines = render.mermaid(spec).splitlines()
    assert lines[0] == "stateDiagram-v2"
    for name, stage in spec.stages.items():
        assert f'    state "{stage.title}" as {name}' in lines


def main_lines(text: str) -> list[str]:
    """The lines that draw the main procedure: not those of a track (nested deeper, or after 'Track:')."""
    return [line for line in text.split("\nTrack: ")[0].splitlines() if not line.startswith("        ")]


def test_mermaid_has_an_edge_for_every_action_from_every_source_stage(spec: Workflow) -> None:
    lines = main_lines(render.mermaid(spec))
    edges = [line for line in lines if "-->" in line and "[*]" not in line]
    assert len(edges) == len(pairs(spec))
    for source, name, target in pairs(spec):
        assert f"    {source} --> {target} : {spec.actions[name].title}" in lines


def test_mermaid_expands_an_action_from_any_stage_to_every_open_stage(spec: Workflow) -> None:
    text = render.mermaid(spec)
    assert (
        text.count("--> referred_to_authorities : Refer to the police or another authority") == len(spec.open_stages) - 1
    )  # not from itself
    assert "resolved --> referred_to_authorities" not in text


def test_mermaid_marks_the_start_and_the_final_stages(spec: Workflow) -> None:
    lines = main_lines(render.mermaid(spec))
    assert [line.strip() for line in lines if "[*]" in line] == [
        "[*] --> reported",
        "resolved --> [*]",
        "redirected_to_complaints --> [*]",
        "closed --> [*]",
    ]


def test_mermaid_writes_syntax_characters_as_entity_codes() -> None:
    text = render.mermaid(odd_titles())
    assert '    state "Reported #quot;now#quot;#59; #35;1 #lt;b#gt; back\\slash" as reported' in text
    assert "    reported --> gathering_evidence : Say #quot;yes#quot;#59; {go} \\ on" in text


# --- dot --------------------------------------------------------------------------------------


def dot_tokens(text: str) -> list[str]:
    """Split DOT into quoted strings and single characters; fail on an unterminated string."""
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|[^\s"]|"', text)
    assert '"' not in tokens, "an unterminated or unescaped quote"
    return tokens


def assert_well_formed(text: str) -> None:
    tokens = dot_tokens(text)
    depth = 0
    for token in tokens:
        depth += {"{": 1, "}": -1}.get(token, 0)
        assert depth >= 0, "a '}' closes nothing"
    assert depth == 0, "a '{' is never closed"
    assert text.startswith("digraph ") and text.rstrip().endswith("}")
    for line in text.splitlines()[1:-1]:
        opens_or_closes_a_track = line.endswith(" {") or line.strip() == "}"
        assert line.endswith(";") or opens_or_closes_a_track, f"statement without ';': {line}"


def test_dot_is_well_formed(spec: Workflow) -> None:
    assert_well_formed(render.dot(spec))


def test_dot_escapes_quotes_and_backslashes_in_labels() -> None:
    text = render.dot(odd_titles())
    assert_well_formed(text)
    assert '"reported" [label="Reported \\"now\\"; #1 <b> back\\\\slash"];' in text
    assert '"reported" -> "gathering_evidence" [label="Say \\"yes\\"; {go} \\\\ on"];' in text


def test_dot_has_an_edge_for_every_action_from_every_source_stage(spec: Workflow) -> None:
    lines = render.dot(spec).splitlines()
    edges = [line for line in lines if " -> " in line and "__" not in line]
    assert len(edges) == len(pairs(spec))
    for source, name, target in pairs(spec):
        assert f'    "{source}" -> "{target}" [label="{spec.actions[name].title}"];' in lines


def test_dot_marks_the_start_and_the_final_stages(spec: Workflow) -> None:
    lines = render.dot(spec).splitlines()
    assert '    __start__ -> "reported";' in lines
    assert [line.strip() for line in lines if line.endswith("-> __end__;")] == [
        '"resolved" -> __end__;',
        '"redirected_to_complaints" -> __end__;',
        '"closed" -> __end__;',
    ]
    assert '    "closed" [label="Closed", peripheries=2];' in lines


# --- text -------------------------------------------------------------------------------------


def test_text_lists_every_action_under_each_stage_it_can_be_taken_from(spec: Workflow) -> None:
    text = render.text(spec)
    for _, name, target in pairs(spec):
        assert f"    {name} -> {target}: {spec.actions[name].title}\n" in text
    assert sum(text.count(f"    {name} -> ") for name in spec.actions) == len(pairs(spec))


def test_text_shows_stages_in_order_with_marks_and_deadlines(spec: Workflow) -> None:
    lines = main_lines(render.text(spec))
    headings = [line for line in lines if line and not line.startswith(" ") and ": " in line and not line.startswith("Opened")]
    assert headings == [
        f"{name}: {stage.title}" + (" [initial]" if stage.initial else " [final]" if stage.final else "")
        for name, stage in spec.stages.items()
    ]
    assert "  deadline acknowledge_reminder: after 1 school day, remind headteacher, then every 1 school day" in lines
    assert "  deadline unacknowledged_escalation: after 5 school days, the system takes 'escalate_to_chair'" in lines


def test_text_shows_who_may_act_with_which_fields_and_guards(spec: Workflow) -> None:
    text = render.text(spec)
    assert (
        "    arrange_meeting -> meeting_poster: Arrange a meeting with the poster\n"
        "      by: headteacher, senior_team\n"
        "      fields: meeting_date (date), invited_by (choice of letter | email | telephone | in person)\n"
        "      guards: has_evidence\n"
    ) in text
    assert ", reference (text, optional), reason (text)\n" in text
    assert "      by: headteacher, senior_team, system\n      fields: reason (text)\n" in text


def test_text_names_the_workflow_and_its_version(spec: Workflow) -> None:
    first = render.text(spec).splitlines()[0]
    assert first == f"Online complaints against the school community (version {spec.content_hash[:12]})"


# --- one model, every renderer ----------------------------------------------------------------


def text_edges(spec: Workflow) -> set[tuple[str, str, str]]:
    found, stage = set(), ""
    for line in main_lines(render.text(spec)):
        if heading := re.fullmatch(r"([a-z_]+): .*", line):
            stage = heading[1]
        elif action := re.fullmatch(r"    ([a-z_]+) -> ([a-z_]+): (.*)", line):
            found.add((stage, action[2], action[3]))
    return found


def mermaid_edges(spec: Workflow) -> set[tuple[str, str, str]]:
    lines = render.mermaid(spec).splitlines()
    return {(m[1], m[2], m[3]) for line in lines if (m := re.fullmatch(r"    ([a-z_]+) --> ([a-z_]+) : (.*)", line))}


def dot_edges(spec: Workflow) -> set[tuple[str, str, str]]:
    lines = render.dot(spec).splitlines()
    return {
        (m[1], m[2], m[3]) for line in lines if (m := re.fullmatch(r'    "([a-z_]+)" -> "([a-z_]+)" \[label="(.*)"\];', line))
    }


def svg_edges(spec: Workflow) -> set[tuple[str, str, str]]:
    """Each arrow, its titles split apart, the arrow from the 'any open stage' box read as one from every
    open stage but the target (the rule `pairs` spells out, independently of the renderers' model)."""
    root = ElementTree.fromstring(render.svg.document(spec))
    found = set()
    for path in root.iter("{http://www.w3.org/2000/svg}path"):
        if "data-source" not in path.attrib:
            continue  # the arrowhead marker
        source, target = path.attrib["data-source"], path.attrib["data-target"]
        sources = [s for s in spec.open_stages if s != target] if source == render.ANY else [source]
        titles = (path.findtext("{http://www.w3.org/2000/svg}title") or "").split("; ")
        found |= {(s, target, title) for s in sources for title in titles}
    return found


@pytest.mark.parametrize("drawn", [text_edges, mermaid_edges, dot_edges, svg_edges], ids=["text", "mermaid", "dot", "svg"])
def test_every_renderer_draws_the_same_edges_for_the_shipped_workflow(
    spec: Workflow,
    drawn: Callable[[Workflow], set[tuple[str, str, str]]],
) -> None:
    assert drawn(spec) == titled(spec)


def test_the_model_keeps_an_action_from_any_stage_once_and_spells_it_out_once_per_open_stage(spec: Workflow) -> None:
    graph = render.graph(spec)
    assert [(e.source, e.target) for e in graph.edges if e.action == "refer_to_authorities"] == [
        (render.ANY, "referred_to_authorities")
    ]
    spelt = {e.source for e in graph.expanded if e.action == "refer_to_authorities"}
    assert spelt == set(spec.open_stages) - {"referred_to_authorities"}
    assert graph.nodes[-1] == render.Node(render.ANY, "Any open stage", "any")
    assert {(e.source, e.action, e.target) for e in graph.expanded} == pairs(spec)
