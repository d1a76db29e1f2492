"""What people do with email and letters: send failed email again, print a letter to the poster.

Reading the outbox is `engine.queries.outbox`."""

from __future__ import annotations

from typing import Literal

from engine.commands.letters import letter as letter  # the command line's draft, beside the outbox it came from
from engine.commands.people import person_by_email
from engine.context import Redress
from engine.errors import NotAllowed, NotFound, Refused
from engine.rules.access import Power, Viewer, may_resend_email, only
from notifications.outbox import ALL_FAILED as EVERY_FAILED
from notifications.outbox import retry
from store import OutboxMessage, Person
from workflows import Workflow

AllFailed = Literal["all"]
ALL_FAILED: AllFailed = "all"
"""`resend(app, who, ALL_FAILED)` sends every failed message again."""


def resend(app: Redress, who: Viewer | str, which: int | AllFailed) -> int:
    """Send one message (by outbox id) or every failed one again, at once and with a fresh set of attempts;
    returns how many. The one door for the CLI, the outbox page and the API, under `may_resend_email`.

    `who` is the signed-in viewer, or the email of the person acting (the CLI's --as). The requeue is
    appended to each case's audit trail."""
    with app.db.reading() as session:
        spec = app.current_workflow(session).spec
        viewer = who if isinstance(who, Viewer) else _viewer(spec, person_by_email(session, who))
        if not may_resend_email(viewer):
            raise NotAllowed(only(spec, Power.RESEND_EMAIL, "resend email"))
        if isinstance(which, int) and session.get(OutboxMessage, which) is None:
            raise NotFound(f"there is no message {which} in the outbox")
    count = retry(app.db, which if isinstance(which, int) else EVERY_FAILED, app.clock.now(), actor=viewer.email)
    if isinstance(which, int) and count == 0:
        raise Refused(f"message {which} was already sent: it is not sent twice")
    return count


def _viewer(spec: Workflow, person: Person) -> Viewer:
    return Viewer.of(spec, person.id, person.email, person.name, person.roles)
