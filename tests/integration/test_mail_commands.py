"""Seeing and resending email, and letters to the poster."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from engine.commands import cases
from engine.commands import outbox as mail
from engine.errors import BadInput, NotAllowed, NotFound, Refused
from engine.queries import cases as queries
from engine.queries.outbox import read_outbox
from store import OutboxMessage
from tests.conftest import COORDINATOR, HEAD, SAM


def _case_with_poster(app, poster="Mrs Poster"):
    details = cases.OpenCase(
        categories=["staff_offensive"],
        summary="A post about Mr Staff",
        staff=[SAM],
        posters=[(poster, "mrs.poster@home.example")],
    )
    return cases.open_case(app, HEAD, details)


def test_a_failed_message_is_listed_and_requeued_with_an_audit_event(app):
    case_id = _case_with_poster(app)
    with app.db.unit_of_work() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.recipient_email == SAM)
            .values(status="failed", last_error="550 mailbox unavailable", attempts=1)
        )
    failed = read_outbox(app, failed_only=True).messages
    assert [(m.to, m.last_error) for m in failed] == [(SAM, "550 mailbox unavailable")]
    assert mail.resend(app, COORDINATOR, mail.ALL_FAILED) == 1
    assert read_outbox(app, failed_only=True).messages == ()
    trail = queries.audit_trail(app, case_id).events
    assert trail[-1].kind == "email_requeued" and trail[-1].actor == COORDINATOR
    assert queries.verify_trail(app, case_id).ok


def test_only_the_headteacher_or_coordinator_may_resend_and_unknown_ids_are_named(app):
    _case_with_poster(app)
    with pytest.raises(NotAllowed, match=r"^only the Headteacher or the e-Safety coordinator may resend email$"):
        mail.resend(app, SAM, mail.ALL_FAILED)
    with pytest.raises(NotFound, match="there is no message 999"):
        mail.resend(app, HEAD, 999)


def test_a_message_already_sent_is_never_requeued(app):
    _case_with_poster(app)
    with app.db.unit_of_work() as session:
        session.execute(update(OutboxMessage).values(status="sent"))
    message_id = read_outbox(app).messages[0].id
    with pytest.raises(Refused, match="already sent"):
        mail.resend(app, HEAD, message_id)


def test_letters_to_the_poster_name_them_and_escape_the_case_in_html(app):
    case_id = _case_with_poster(app)
    warning = mail.letter(app, case_id, "legal_warning", HEAD)
    assert "Dear Mrs Poster" in warning.text and "legal action" in warning.text
    invitation = mail.letter(app, case_id, "meeting_invitation", HEAD, meeting_date="Thursday 3 December at 3.30pm")
    assert "Thursday 3 December at 3.30pm" in invitation.text
    marked_up = mail.letter(app, _case_with_poster(app, "Mrs <b>Poster</b>"), "removal_request", HEAD)
    assert "Mrs &lt;b&gt;Poster&lt;/b&gt;" in marked_up.html and "<b>Poster" not in marked_up.html
    with pytest.raises(Refused, match="only the Headteacher"):
        mail.letter(app, case_id, "legal_warning", COORDINATOR)
    with pytest.raises(BadInput, match="there is no letter 'threat'"):
        mail.letter(app, case_id, "threat", HEAD)
