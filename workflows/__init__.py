"""The definition language: workflows.yaml to a validated, immutable spec, its checks and diagrams.

This package imports nothing else of Redress.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from .checks import SYSTEM, check
from .errors import InvalidDefinition, Problem
from .guards import GUARDS, RELATIONS, CaseFacts
from .machine import build_machine, build_track_machines
from .powers import POWERS
from .reader import Loaded, read_file, read_text
from .spec import (
    ANY_OPEN_STAGE,
    MAIN,
    Action,
    ActionField,
    Deadline,
    FieldType,
    Notification,
    Stage,
    Track,
    TrackStart,
    Unit,
    Workflow,
)

__all__ = [
    "ANY_OPEN_STAGE",
    "GUARDS",
    "MAIN",
    "POWERS",
    "RELATIONS",
    "SHIPPED",
    "SYSTEM",
    "Action",
    "ActionField",
    "CaseFacts",
    "Deadline",
    "FieldType",
    "InvalidDefinition",
    "Loaded",
    "Notification",
    "Problem",
    "Stage",
    "Track",
    "TrackStart",
    "Unit",
    "Workflow",
    "build_machine",
    "build_track_machines",
    "check",
    "load",
    "load_text",
    "read_text",
]


def _checked(loaded: Loaded, templates: Collection[str] | None) -> Loaded:
    problems = check(loaded.spec, loaded.marks, templates)
    if problems:
        raise InvalidDefinition(problems)
    return loaded


SHIPPED = Path(__file__).parent / "shipped.yaml"
"""The procedure shipped with Redress (the repository's workflows.yaml, packaged with the code): what
`redress init` loads when no workflow file is named and there is no ./workflows.yaml."""


def load(path: Path, templates: Collection[str] | None = None) -> Loaded:
    """Read, type-check and statically check a workflow file; raise InvalidDefinition with every problem."""
    return _checked(read_file(path), templates)


def load_text(text: str, file: str = "workflows.yaml", templates: Collection[str] | None = None) -> Loaded:
    return _checked(read_text(text, file), templates)
