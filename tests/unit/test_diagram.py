"""The workflow drawn as SVG: well-formed, every stage once, layered from the initial stage down."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import workflows
from web import diagram

SPEC = workflows.load(Path(__file__).resolve().parents[2] / "workflows.yaml").spec
SVG = "{http://www.w3.org/2000/svg}"


def test_the_diagram_is_well_formed_svg_with_a_box_for_every_stage() -> None:
    root = ElementTree.fromstring(str(diagram.workflow_svg(SPEC)))
    titles = [t.text or "" for g in root.iter(f"{SVG}g") for t in g.iter(f"{SVG}title")]
    for name, stage in SPEC.stages.items():
        assert sum(title.startswith(f"{stage.title} ({name})") for title in titles) == 1


def test_every_action_is_along_some_arrow() -> None:
    root = ElementTree.fromstring(str(diagram.workflow_svg(SPEC)))
    arrows = " ".join(t.text or "" for p in root.iter(f"{SVG}path") for t in p.iter(f"{SVG}title"))
    for action in SPEC.actions.values():
        assert action.title in arrows


def test_stages_are_layered_by_their_longest_path_from_the_start() -> None:
    layer = diagram.layers(SPEC, diagram.edges_of(SPEC))
    assert layer["reported"] == 0
    assert layer["reported"] < layer["gathering_evidence"] < layer["meeting_poster"] < layer["chair_meeting"] < layer["legal_advice"]
    assert layer["closed"] == max(layer.values())


def test_an_action_from_any_stage_is_drawn_once_from_the_any_box() -> None:
    edges = diagram.edges_of(SPEC)
    assert [e for e in edges if e.target == "referred_to_authorities"] == [
        diagram.Edge(diagram.ANY, "referred_to_authorities", ("Refer to the police or another authority",))]


def test_titles_are_escaped() -> None:
    text = (Path(__file__).resolve().parents[2] / "workflows.yaml").read_text()
    loaded = workflows.load_text(text.replace("title: Reported", 'title: "Reported <b>&</b>"'))
    svg = str(diagram.workflow_svg(loaded.spec))
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in svg and "<b>" not in svg
    ElementTree.fromstring(svg)
