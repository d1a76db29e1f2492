"""The engine's errors, each with a message a person can act on.

    RedressError
    ├── NotFound      the case, person or message does not exist
    ├── Refused       this move, now, by this person, is not allowed (wrong stage, role, guard, field)
    │   └── NotAllowed    this person holds no power to do this at all (a web door answers 403)
    ├── Conflict      the case changed under you: someone else acted first
    └── BadInput      a value given is malformed (an email, a date, a file)

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
