"""What people do with email and letters: see the outbox, requeue what failed, print a letter to the poster."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from engine.commands.cases import load_case, resolve_actor
from engine.commands.notify import case_context, people_for
from engine.context import Redress
from engine.errors import BadInput, NotFound, Refused
from notifications.errors import TemplateError
from notifications.outbox import ALL_FAILED, retry
from notifications.render import LETTER_KINDS, Letter
from store import OutboxMessage

MAIL_KEEPERS = {"headteacher", "coordinator"}


def outbox(app: Redress, *, failed_only: bool = False, limit: int = 200) -> list[dict[str, Any]]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if failed_only:
        query = query.where(OutboxMessage.status == "failed")
    with app.db.reading() as session:
        return [{"id": m.id, "case": m.case_id, "to": m.recipient_email, "template": m.template, "subject": m.subject,
                 "status": m.status, "attempts": m.attempts, "next_attempt_at": m.next_attempt_at.isoformat(timespec="seconds"),
                 "last_error": m.last_error, "message_id": m.message_id,
                 "sent_at": m.sent_at.isoformat(timespec="seconds") if m.sent_at else None}
                for m in session.scalars(query)]


def requeue(app: Redress, which: int | None, actor_email: str) -> int:
    """Requeue one message (by id) or, with `which=None`, every failed one; the requeue is audited."""
    with app.db.reading() as session:
        actor = resolve_actor(session, actor_email)
        if not actor.roles() & MAIL_KEEPERS:
            raise Refused(f"only the {' or the '.join(sorted(MAIL_KEEPERS))} may resend email")
        if which is not None and session.get(OutboxMessage, which) is None:
            raise NotFound(f"there is no message {which} in the outbox: 'redress outbox list' shows them")
    count = retry(app.db, ALL_FAILED if which is None else which, app.clock.now(), actor=actor.label)
    if which is not None and count == 0:
        raise Refused(f"message {which} was already sent: it is not sent twice")
    return count


def letter(app: Redress, case_id: int, kind: str, actor_email: str, *, meeting_date: str | None = None,
           meeting_place: str | None = None) -> Letter:
    """A letter to the poster, for the headteacher to send: rendered, never emailed."""
    if kind not in LETTER_KINDS:
        raise BadInput(f"there is no letter '{kind}': the letters are {', '.join(LETTER_KINDS)}")
    with app.db.reading() as session:
        actor = resolve_actor(session, actor_email)
        if "headteacher" not in actor.roles():
            raise Refused("only the headteacher writes to the poster")
        case = load_case(session, case_id)
        spec = app.compiled(case.workflow_id).spec
        posters = [p for p in case.parties if p.kind == "poster"]
        heads = people_for(session, case, ["headteacher"])
        context = {
            "school_name": app.settings.school_name,
            "case": case_context(app, spec, case),
            "poster": {"name": posters[0].name if posters and posters[0].name else "Parent/Carer"},
            "headteacher": {"name": actor.name if actor.person else (heads[0].name if heads else "The Headteacher")},
            "meeting": {"date": meeting_date, "place": meeting_place or "the school office"} if meeting_date else None,
            "today": date.fromisoformat(app.clock.now().astimezone(app.zone).date().isoformat()).strftime("%-d %B %Y"),
        }
    try:
        return app.renderer.render_letter(kind, context)
    except TemplateError as exc:
        raise BadInput(f"the letter could not be written: {exc}") from exc
