"""The redacted bundle: the names of pupils, and of staff other than the person concerned, become
references (Pupil 1, Person A) wherever they appear in the chronology and the trail's JSON."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from typing import Any


class Redactor:
    """Replaces each known name or email with its reference; the longest first, on word boundaries."""

    def __init__(self, people: Iterable[tuple[str, str]], pupils: Iterable[str]) -> None:
        self.refs: dict[str, str] = {}
        for number, (name, email) in enumerate(people):
            ref = f"Person {_letters(number)}"
            for text in (name, email):
                if text and text.strip():
                    self.refs.setdefault(text.strip(), ref)
        for number, reference in enumerate(pupils, start=1):
            if reference and reference.strip():
                self.refs.setdefault(reference.strip(), f"Pupil {number}")
        ordered = sorted(self.refs, key=len, reverse=True)
        self._pattern = re.compile("|".join(rf"(?<!\w){re.escape(t)}(?!\w)" for t in ordered)) if ordered else None

    def text(self, value: str) -> str:
        if self._pattern is None:
            return value
        return self._pattern.sub(lambda m: self.refs[m.group(0)], value)

    def deep(self, value: Any) -> Any:
        """Every string inside `value` (dicts, lists) redacted; keys too, as names can be keys."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep(v) for v in value]
        return value


def _letters(number: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = string.ascii_uppercase[rest] + letters
    return letters
