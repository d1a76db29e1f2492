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


class RedressError(Exception):
    """Base of every error a person may see."""


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
