"""The engine's errors, each with a message a person can act on.

    RedressError
    ├── NotFound      the case, person or message does not exist
    ├── Refused       this move, now, by this person, is not allowed (wrong stage, role, guard, field)
    │   └── NotAllowed    this person holds no power to do this at all (a web door answers 403)
    ├── Conflict      the case changed under you: someone else acted first
    ├── BadInput      a value given is malformed (an email, a date, a file)
    └── EvidenceFailed    an evidence file failed its check on reading: never served as good
        ├── EvidenceMissing   the file is gone from the evidence store (a web door answers 410)
        └── EvidenceChanged   the file no longer matches its SHA-256 (500)

`workflows.InvalidDefinition` (the workflow file itself is wrong) stays apart, as the
definition language imports nothing of ours. Entry points turn these into exit codes
or HTTP statuses; nothing else catches broad exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence


class RedressError(Exception):
    """Base of every error a person may see.

    `problems` names, when it can, the field each problem is about ((field, message) pairs, the field
    as the command's input calls it), so a form can link each message to its field; by default the
    whole message, about no field in particular."""

    def __init__(self, message: str = "", *, problems: Sequence[tuple[str | None, str]] = (), field: str | None = None) -> None:
        super().__init__(message)
        self.problems: tuple[tuple[str | None, str], ...] = tuple(problems) or ((field, message),)


class NotFound(RedressError):
    pass


class Refused(RedressError):
    pass


class NotAllowed(Refused):
    pass


class Conflict(RedressError):
    pass


class BadInput(RedressError):
    pass


class EvidenceFailed(RedressError):
    pass


class EvidenceMissing(EvidenceFailed):
    pass


class EvidenceChanged(EvidenceFailed):
    pass
