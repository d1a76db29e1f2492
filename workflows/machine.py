"""Build one `transitions` machine per workflow spec.

The machine knows stages and actions only. Cases are attached for the length of one
command (`add_model`) and detached after (`remove_model`): keeping every case on a
machine is slow and leaks. Guards and permissions are checked by the engine before
the trigger, so a refusal can say why; the machine then moves the stage.
"""

from __future__ import annotations

from transitions import Machine

from .spec import Track, Workflow


def build_machine(spec: Workflow | Track) -> Machine:
    """The machine of the main procedure, or of one track: each is its own small machine (see
    docs/workflow-language.md, "Tracks", for why not one hierarchical machine with parallel states)."""
    machine = Machine(
        model=None,
        states=list(spec.stages),
        initial=spec.initial_stage,
        auto_transitions=False,
        model_override=False,  # the model is a throwaway token; binding to it costs nothing and logs nothing
        ignore_invalid_triggers=False,
        send_event=True,
    )
    for name in spec.actions:
        machine.add_transition(name, list(spec.sources(name)), spec.actions[name].to)
    return machine


def build_track_machines(spec: Workflow) -> dict[str, Machine]:
    """One machine per track; a case's track is attached to its track's machine for one command, like the case."""
    return {name: build_machine(track) for name, track in spec.tracks.items()}
