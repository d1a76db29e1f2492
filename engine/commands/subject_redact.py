"""Other people out of a subject access export: each other person's name, email, contact and pupil reference
becomes "[redacted: pupil]", "[redacted: member of staff]" or "[redacted: poster]"; the parts of their names
(a surname on its own) too; any email address left that is not the person's own becomes
"[redacted: email address]". The person's own names and references are matched first and kept, so
another name inside theirs is not cut out of it. What was replaced is counted for the DPO's review."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

STAFF, PUPIL, POSTER, EMAIL = "member of staff", "pupil", "poster", "email address"
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_KEEP = "\x00keep"


class SubjectRedactor:
    def __init__(self, own: Iterable[str], others: Iterable[tuple[str, str]]) -> None:
        """`own`: the person's names, emails and references (kept); `others`: (identifier, what they are)."""
        self.own = [t.strip() for t in own if t.strip()]
        own_lower = {t.lower() for t in self.own}
        own_words = {w.lower() for t in self.own for w in re.findall(r"\w+", t)}
        whole: dict[str, str] = {t.lower(): _KEEP for t in self.own}
        parts: dict[str, str] = {}
        for identifier, label in others:
            value = identifier.strip()
            if not value or value.lower() in own_lower:
                continue
            whole.setdefault(value.lower(), label)
            if label in (STAFF, POSTER) and "@" not in value:
                for word in re.findall(r"[A-Z][\w'-]{2,}", value):
                    if word.lower() not in own_words:
                        parts.setdefault(word, label)
        self._whole = whole
        self._parts = parts
        self._whole_re = _alternation(whole, re.IGNORECASE)
        self._parts_re = _alternation({**{w: _KEEP for t in self.own for w in re.findall(r"\w+", t)}, **parts}, 0)
        self.counts: Counter[str] = Counter()

    def text(self, value: str) -> str:
        value = self._sub(self._whole_re, value, lambda m: self._whole.get(m.lower(), _KEEP))
        value = self._sub(self._parts_re, value, lambda m: self._parts.get(m, _KEEP))
        return _EMAIL.sub(self._email, value)

    def deep(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep(v) for v in value]
        return value

    def _sub(self, pattern: re.Pattern[str] | None, value: str, label_of: Any) -> str:
        if pattern is None:
            return value

        def replace(match: re.Match[str]) -> str:
            label = label_of(match.group(0))
            if label == _KEEP:
                return match.group(0)
            self.counts[label] += 1
            return f"[redacted: {label}]"

        return pattern.sub(replace, value)

    def _email(self, match: re.Match[str]) -> str:
        address = match.group(0)
        if any(address.lower() in t.lower() for t in self.own):
            return address
        self.counts[EMAIL] += 1
        return f"[redacted: {EMAIL}]"


def _alternation(table: dict[str, str], flags: int) -> re.Pattern[str] | None:
    ordered = sorted(table, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile("|".join(rf"(?<!\w){re.escape(t)}(?!\w)" for t in ordered), flags)
