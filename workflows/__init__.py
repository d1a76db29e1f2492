"""The definition language: workflows.yaml to a validated, immutable spec, its checks and diagrams.

This package imports nothing else of Redress.
"""

from __future__ import annotations

from collections.abc import Collection
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InvalidDefinition, Problem
from .guards import GUARDS, RELATIONS, CaseFacts
from .powers import POWERS
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

if TYPE_CHECKING:
    from .checks import SYSTEM, check
    from .machine import build_machine, build_track_machines
    from .reader import Loaded, read_file, read_text

_LATER = {
    "SYSTEM": "checks",
    "check": "checks",
    "build_machine": "machine",
    "build_track_machines": "machine",
    "Loaded": "reader",
    "read_file": "reader",
    "read_text": "reader",
}
"""Names whose modules load when first asked for: reading YAML (PyYAML), the static checks and the state
machines (transitions) are for loading a workflow and acting on cases. A command that only reads cases under
a spec already parsed (`redress case show`, from the spec cache) imports none of them."""


def __getattr__(name: str) -> Any:
    module = _LATER.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


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
    "read_file",
    "read_text",
]


def _checked(loaded: Loaded, templates: Collection[str] | None) -> Loaded:
    from .checks import check

    problems = check(loaded.spec, loaded.marks, templates)
    if problems:
        raise InvalidDefinition(problems)
    return loaded


SHIPPED = Path(__file__).parent / "shipped.yaml"
"""The procedure shipped with Redress (the repository's workflows.yaml, packaged with the code): what
`redress init` loads when no workflow file is named and there is no ./workflows.yaml."""


def load(path: Path, templates: Collection[str] | None = None) -> Loaded:
    """Read, type-check and statically check a workflow file; raise InvalidDefinition with every problem."""
    from .reader import read_file

    return _checked(read_file(path), templates)


def load_text(text: str, file: str = "workflows.yaml", templates: Collection[str] | None = None) -> Loaded:
    from .reader import read_text

    return _checked(read_text(text, file), templates)
