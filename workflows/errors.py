"""Errors of the definition language.

InvalidDefinition means the workflow file itself is wrong (as opposed to a move that
is not allowed now, which the engine reports). It carries every problem found, each
with the file, line and column it points at, so a school fixes them all in one pass.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class InvalidDefinition(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(name: object, known: Iterable[str]) -> str:
    """' (did you mean 'X'?)' for the closest known name, or nothing: kept here, not with the YAML reader, so the
    engine's rules may word a refusal without importing the reader (and PyYAML)."""
    close = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
