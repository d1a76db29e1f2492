"""The workflow drawn as SVG: well-formed, every stage once, layered from the initial stage down."""

from __future__ import annotations

from xml.etree import ElementTree

import workflows
from tests.conftest import WORKFLOW
from workflows.render import ANY, graph, svg

SPEC = workflows.load(WORKFLOW).spec
NS = "{http://www.w3.org/2000/svg}"


def test_the_diagram_is_well_formed_svg_with_a_box_for_every_stage() -> None:
    root = ElementTree.fromstring(str(svg.workflow_svg(SPEC)))
    titles = [t.text or "" for g in root.iter(f"{NS}g") for t in g.iter(f"{NS}title")]
    for name, stage in SPEC.stages.items():
        assert sum(title.startswith(f"{stage.title} ({name})") for title in titles) == 1
    assert "Any open stage (any open stage)" in titles


def test_every_action_is_along_some_arrow() -> None:
    root = ElementTree.fromstring(str(svg.workflow_svg(SPEC)))
    arrows = " ".join(t.text or "" for p in root.iter(f"{NS}path") for t in p.iter(f"{NS}title"))
    for action in SPEC.actions.values():
        assert action.title in arrows


def test_stages_are_layered_by_their_longest_path_from_the_start() -> None:
    drawn = graph(SPEC)
    layer = svg.layers(drawn, svg.arrows(drawn))
    assert layer["reported"] == 0
    assert (
        layer["reported"] < layer["gathering_evidence"] < layer["meeting_poster"] < layer["chair_meeting"] < layer["legal_advice"]
    )
    assert layer["closed"] == max(layer.values())


def test_an_action_from_any_stage_is_drawn_once_from_the_any_box() -> None:
    arrows = svg.arrows(graph(SPEC))
    assert [a for a in arrows if a.target == "referred_to_authorities"] == [
        svg.Arrow(ANY, "referred_to_authorities", ("Refer to the police or another authority",))
    ]


def test_actions_between_the_same_two_stages_share_one_arrow() -> None:
    arrows = svg.arrows(graph(SPEC))
    pairs = [(a.source, a.target) for a in arrows]
    assert len(pairs) == len(set(pairs))
    closing = ("Close - the allegation was found malicious", "Close with no further action")
    assert svg.Arrow("reported", "closed", closing) in arrows


def test_titles_are_escaped() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    loaded = workflows.load_text(text.replace("title: Reported\n", 'title: "Reported <b>&</b>"\n'))
    drawn = str(svg.workflow_svg(loaded.spec))
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in drawn and "<b>" not in drawn
    ElementTree.fromstring(drawn)


def test_the_standalone_document_is_the_element_and_a_line_break() -> None:
    assert svg.document(SPEC) == str(svg.workflow_svg(SPEC)) + "\n"
