"""What people do with email and letters: send failed email again, print a letter to the poster.

Reading the outbox is `engine.queries.outbox`."""

from __future__ import annotations

from datetime import date
from typing import Literal

from engine.commands.cases import load_case, resolve_actor
from engine.commands.custody import LETTER, record_access
from engine.commands.notify import case_context, people_for
from engine.commands.people import person_by_email
from engine.context import Redress
from engine.errors import BadInput, NotAllowed, NotFound, Refused
from engine.rules.access import Power, Viewer, holders, holds, may_resend_email, only
from notifications.errors import TemplateError
from notifications.outbox import ALL_FAILED as EVERY_FAILED
from notifications.outbox import retry
from notifications.render import LETTER_KINDS, Letter
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


def letter(
    app: Redress, case_id: int, kind: str, actor_email: str, *, meeting_date: str | None = None, meeting_place: str | None = None
) -> Letter:
    """A letter to the poster, for the headteacher to send: rendered, never emailed."""
    if kind not in LETTER_KINDS:
        raise BadInput(f"there is no letter '{kind}': the letters are {', '.join(LETTER_KINDS)}")
    with app.db.reading() as session:
        actor = resolve_actor(session, actor_email)
        powers = app.current_workflow(session).spec
        if not holds(powers, actor.roles(), Power.WRITE_LETTERS):
            raise Refused(only(powers, Power.WRITE_LETTERS, "write to the poster"))
        case = load_case(session, case_id)
        spec = app.compiled(case.workflow_id).spec
        posters = [p for p in case.parties if p.kind == "poster"]
        heads = people_for(session, case, sorted(holders(powers, Power.WRITE_LETTERS)))
        context = {
            "school_name": app.settings.school_name,
            "case": case_context(app, spec, case),
            "poster": {"name": posters[0].name if posters and posters[0].name else "Parent/Carer"},
            "headteacher": {"name": actor.name if actor.person else (heads[0].name if heads else "The Headteacher")},
            "meeting": {"date": meeting_date, "place": meeting_place or "the school office"} if meeting_date else None,
            "today": date.fromisoformat(app.clock.now().astimezone(app.zone).date().isoformat()).strftime("%-d %B %Y"),
        }
    try:
        written = app.renderer.render_letter(kind, context)
    except TemplateError as exc:
        raise BadInput(f"the letter could not be written: {exc}") from exc
    record_access(app, actor.label, actor.id, case_id, LETTER, kind)  # access custody: who wrote which letter
    return written
