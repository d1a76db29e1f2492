"""The one presenter of views as JSON, shared by `--json` and the API: times as ISO 8601 in UTC, to the second."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any


def as_json(value: Any) -> Any:
    """A view (or a list of them) as plain JSON-ready values: dicts, lists, strings, numbers."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.name.lower()
    if isinstance(value, Mapping):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [as_json(v) for v in value]
    return value
