"""Recording people changes on the school's trail (`store.school_trail`), in the command's own transaction."""

from __future__ import annotations

import getpass
from typing import Any

from sqlalchemy.orm import Session

from engine.context import Redress
from store import Person, school_trail

ADDED = "person_added"
DEACTIVATED = "person_deactivated"
REACTIVATED = "person_reactivated"
ROLES = "roles_changed"
PASSWORD_RESET = "password_reset"
PASSWORD_SET = "password_set"
PASSWORD_CHANGED = "password_changed"
SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
IMPORTED = "people_imported"


def command_line() -> str:
    """The actor of a change made with `redress people ...`: whoever runs the command on the server."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    return f"command line ({user})"


def record(app: Redress, session: Session, actor: str, kind: str, person: Person | None = None, **details: Any) -> None:
    school_trail.append(
        session,
        at=app.clock.now(),
        actor=actor,
        kind=kind,
        subject_id=person.id if person else None,
        subject=person.email if person else "",
        details=details,
    )
