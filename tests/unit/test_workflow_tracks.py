"""Tracks and faster deadlines in the language: a small workflow with one track, broken in one place per test."""

from __future__ import annotations

import pytest

import workflows
from tests.unit.workflow_base import BASE
from workflows import InvalidDefinition, render

TRACK = """\
tracks:
  police:
    title: Police
    start:
      title: Refer to the police
      from: "*"
      roles: [head]
      notify:
        - {template: new_case, to: [chair]}
    stages:
      with_police:
        title: With the police
        initial: true
        pauses: [main]
        deadlines:
          - {name: police_chase, after: 10 school days, remind: [head], repeat: 10 school days}
          - {name: police_overdue, after: 20 school days, escalate: give_up}
      done:
        title: Outcome recorded
        final: true
    actions:
      record_outcome:
        title: Record the police's outcome
        from: with_police
        to: done
        roles: [head]
        fields:
          outcome: {label: What the police did}
      give_up:
        title: Stop waiting on the police
        from: with_police
        to: done
        roles: [head, system]
"""
FASTER = """\
    faster_for:
      threat:
        - {name: chase, after: 2 hours, remind: [head]}
"""
TEXT = (
    BASE.replace(
        "      - {name: overdue, after: 5 school days, escalate: escalate}\n",
        "      - {name: overdue, after: 5 school days, escalate: escalate}\n" + FASTER,
    )
    + TRACK
)


def tracked(*edits: tuple[str, str]) -> str:
    text = TEXT
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} should occur once"
        text = text.replace(old, new)
    return text


def problems(*edits: tuple[str, str]) -> list[str]:
    with pytest.raises(InvalidDefinition) as raised:
        workflows.load_text(tracked(*edits), "w.yaml", {"new_case", "case_closed", "deadline_reminder"})
    return [str(problem) for problem in raised.value.problems]


def test_a_workflow_with_a_track_and_faster_deadlines_passes_every_check() -> None:
    spec = workflows.load_text(tracked(), "w.yaml", {"new_case", "case_closed", "deadline_reminder"}).spec
    police = spec.tracks["police"]
    assert police.initial_stage == "with_police"
    assert police.sources("record_outcome") == ("with_police",)
    assert police.stages["with_police"].pauses == ("main",)


def test_a_workflow_without_tracks_keeps_its_hash_and_a_track_changes_it() -> None:
    plain = workflows.load_text(BASE).spec
    assert "tracks" not in plain.canonical_json() and "starts_track" not in plain.canonical_json()
    assert workflows.load_text(tracked()).spec.content_hash != plain.content_hash


def test_faster_deadlines_replace_the_usual_ones_for_their_category() -> None:
    stage = workflows.load_text(tracked()).spec.stages["reported"]
    assert [str(d.after) for d in stage.deadlines_for(["rude"])] == ["2 school days", "5 school days"]
    assert [str(d.after) for d in stage.deadlines_for(["rude", "threat"])] == ["2 hours", "5 school days"]


def test_one_machine_per_track() -> None:
    spec = workflows.load_text(tracked()).spec
    machines = workflows.build_track_machines(spec)
    assert set(machines) == {"police"}
    assert set(machines["police"].events) == {"record_outcome", "give_up"}


# --- the checks a track shares with the main procedure -----------------------------------------


def test_unreachable_track_stage_is_refused() -> None:
    assert problems(
        ("        to: done\n        roles: [head]\n", "        to: with_police\n        roles: [head]\n"),
        ("        to: done\n        roles: [head, system]\n", "        to: with_police\n        roles: [head, system]\n"),
    ) == [
        "w.yaml:80:7: stage 'with_police' has no way out: add an action from it, or mark it final",
        "w.yaml:87:7: stage 'done' cannot be reached from 'with_police': add an action that leads to it",
    ]


def test_track_waiting_stage_without_deadline_is_refused() -> None:
    assert problems(
        ("    final: true\n    actions:", "    final: true\n      waiting:\n        title: Waiting\n    actions:"),
        (
            "        from: with_police\n        to: done\n        roles: [head]\n",
            "        from: [with_police, waiting]\n        to: done\n        roles: [head]\n",
        ),
        (
            "        title: Stop waiting on the police\n        from: with_police\n        to: done\n",
            "        title: Stop waiting on the police\n        from: with_police\n        to: waiting\n",
        ),
    ) == [
        "w.yaml:90:7: stage 'waiting' has no deadline: a case could wait there unnoticed",
    ]


def test_ambiguous_track_actions_are_refused() -> None:
    assert problems(("        title: Stop waiting on the police\n", "        title: Record the police's outcome\n")) == [
        "w.yaml:99:16: 'give_up' and 'record_outcome' are both called 'Record the police's outcome' in stage "
        "'with_police': give them distinct titles",
    ]


def test_unknown_role_in_a_track_action_is_refused() -> None:
    assert problems(("        roles: [head]\n        fields:", "        roles: [haed]\n        fields:")) == [
        "w.yaml:95:17: unknown role or relation 'haed' (did you mean 'head'?)",
    ]


def test_unknown_template_in_a_track_start_is_refused() -> None:
    assert problems(("{template: new_case, to: [chair]}", "{template: new_cases, to: [chair]}")) == [
        "w.yaml:78:22: unknown template 'new_cases' (did you mean 'new_case'?)",
    ]


def test_track_escalation_must_be_an_action_of_the_track() -> None:
    assert problems(("escalate: give_up}", "escalate: escalate}")) == [
        "w.yaml:86:69: unknown action 'escalate'",
    ]


# --- what only tracks have ----------------------------------------------------------------------


def test_starts_track_naming_no_track_is_refused_with_a_suggestion() -> None:
    assert problems(
        (
            "    to: with_chair\n    roles: [head, system]\n",
            "    to: with_chair\n    roles: [head, system]\n    starts_track: polce\n",
        )
    ) == [
        "w.yaml:38:19: unknown track 'polce' (did you mean 'police'?)",
    ]


def test_a_category_starting_an_unknown_track_is_refused() -> None:
    assert problems(
        ("  threat: {label: Threat, authorities: true}", "  threat: {label: Threat, authorities: true, starts_tracks: [polise]}")
    ) == [
        "w.yaml:4:62: unknown track 'polise' (did you mean 'police'?)",
    ]


def test_a_track_nothing_starts_is_refused() -> None:
    start = '    start:\n      title: Refer to the police\n      from: "*"\n      roles: [head]\n      notify:\n        - {template: new_case, to: [chair]}\n'
    assert problems((start, "")) == [
        "w.yaml:71:3: track 'police' is never started: give it a 'start' action, or name it in an action's "
        "'starts_track' or a category's 'starts_tracks'",
    ]


def test_a_track_started_by_a_category_needs_no_start_action() -> None:
    start = '    start:\n      title: Refer to the police\n      from: "*"\n      roles: [head]\n      notify:\n        - {template: new_case, to: [chair]}\n'
    text = tracked(
        (start, ""),
        ("  threat: {label: Threat, authorities: true}", "  threat: {label: Threat, authorities: true, starts_tracks: [police]}"),
    )
    assert workflows.load_text(text).spec.categories["threat"].starts_tracks == ("police",)


def test_track_start_from_an_unknown_main_stage_is_refused() -> None:
    assert problems(('      from: "*"\n', "      from: [reportd]\n")) == [
        "w.yaml:75:14: unknown stage 'reportd' (did you mean 'reported'?)",
    ]


def test_pausing_an_unknown_procedure_is_refused() -> None:
    assert problems(("pauses: [main]", "pauses: [mian]")) == [
        "w.yaml:83:18: unknown procedure to pause 'mian' (did you mean 'main'?): name 'main' or a track",
    ]


def test_a_track_cannot_pause_itself() -> None:
    assert problems(("pauses: [main]", "pauses: [police]")) == [
        "w.yaml:83:18: track 'police' cannot pause itself: name 'main' or another track",
    ]


def test_pausing_on_a_stage_without_a_deadline_is_refused() -> None:
    assert problems(("        final: true\n", "        final: true\n        pauses: [main]\n")) == [
        "w.yaml:90:17: stage 'done' pauses other deadlines but has none of its own: give it a deadline, "
        "so a paused case cannot wait unnoticed",
    ]


def test_a_main_stage_cannot_pause() -> None:
    assert problems(("    title: With the chair\n", "    title: With the chair\n    pauses: [main]\n")) == [
        "w.yaml:27:13: only a stage of a track can pause: the main procedure pauses while a track waits",
    ]


def test_an_action_name_used_by_the_main_procedure_and_a_track_is_refused() -> None:
    assert problems(("      give_up:\n", "      close:\n"), ("escalate: give_up}", "escalate: close}")) == [
        "w.yaml:98:7: action 'close' is also an action of the main procedure: give it another name",
    ]


# --- faster deadlines ---------------------------------------------------------------------------


def test_faster_deadlines_for_an_unknown_category_are_refused() -> None:
    assert problems(("      threat:\n", "      thraet:\n")) == [
        "w.yaml:23:7: unknown category 'thraet' (did you mean 'threat'?)",
    ]


def test_a_faster_deadline_must_replace_one_of_the_stage() -> None:
    assert problems(("{name: chase, after: 2 hours", "{name: chaser, after: 2 hours")) == [
        "w.yaml:24:18: unknown deadline 'chaser' (did you mean 'chase'?): 'faster_for' replaces a deadline of "
        "stage 'reported' by its name",
    ]


def test_a_faster_deadline_must_be_sooner() -> None:
    assert problems(("{name: chase, after: 2 hours", "{name: chase, after: 3 school days")) == [
        "w.yaml:24:32: 'chase' for 'threat' falls due after 3 school days, no sooner than the usual 2 school days",
    ]


def test_a_faster_deadline_must_be_of_the_same_kind() -> None:
    assert problems(("{name: chase, after: 2 hours, remind: [head]}", "{name: chase, after: 2 hours, escalate: escalate}")) == [
        "w.yaml:24:18: 'chase' is a reminder in stage 'reported': its faster version must be one too",
    ]


def test_a_faster_escalation_is_checked_like_any_escalation() -> None:
    text = tracked(("{name: chase, after: 2 hours, remind: [head]}", "{name: overdue, after: 2 hours, escalate: escalat}"))
    with pytest.raises(InvalidDefinition) as raised:
        workflows.load_text(text, "w.yaml")
    assert [str(p) for p in raised.value.problems] == ["w.yaml:24:53: unknown action 'escalat' (did you mean 'escalate'?)"]


# --- drawings -----------------------------------------------------------------------------------


def test_every_drawing_shows_the_tracks() -> None:
    spec = workflows.load_text(tracked()).spec
    assert "Track: Police" in render.text(spec)
    text = render.text(spec)
    assert "Track: Police (police)\n  started by: 'Refer to the police' from any open stage, by head\n" in text
    assert "    record_outcome -> done: Record the police's outcome" in text
    assert "  while here, pauses: main" in text and "  for threat: deadline chase: after 2 hours, remind head" in text
    mermaid = render.mermaid(spec)
    assert 'state "Police" as track_police {' in mermaid
    assert "        police__with_police --> police__done : Record the police's outcome" in mermaid
    assert mermaid.endswith("        police__done --> [*]\n    }\n")
    dot = render.dot(spec)
    assert 'subgraph "cluster_police" {' in dot
    assert '"police__with_police" -> "police__done"' in dot
    assert "Alongside: Police: With the police → Outcome recorded" in render.workflow_svg(spec)
