"""The outbox dispatcher against a real SMTP server on loopback and a real database (SQLite file, PostgreSQL)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from notifications.dispatch import CLAIM_LEASE, MAX_ATTEMPTS, SmtpSettings, dispatch_due_sync
from notifications.mail import build_message, make_message_id
from notifications.mailbox import MaildirHandler, list_messages, read_message, running_mailbox, running_smtp
from notifications.outbox import ALL_FAILED, claim, retry
from notifications.render import Rendered, TemplateRenderer, sample_context
from store import AuditEvent, Case, Database, OutboxMessage, Person, WorkflowVersion, audit
from store.migrate import upgrade

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FROM = "Oakfield Primary <redress@oakfield.example>"
SAM = "sam@oakfield.example"


@dataclass(frozen=True)
class Queued:
    id: int
    message_id: str
    rendered: Rendered


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def case_id(db: Database) -> int:
    """A case row for the outbox's foreign key, made directly with the models."""
    with db.unit_of_work() as session:
        head = Person(name="Helen Head", email="head@oakfield.example", roles=["headteacher"], created_at=NOW)
        version = WorkflowVersion(content_hash="a" * 64, name="Online complaints", source="name: x", loaded_at=NOW, current=True)
        session.add_all([head, version])
        session.flush()
        case = Case(
            workflow_id=version.id,
            stage="reported",
            categories=["staff_offensive"],
            summary="Posts on Facebook",
            opened_by_id=head.id,
            opened_at=NOW,
            stage_entered_at=NOW,
        )
        session.add(case)
        session.flush()
        return case.id


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    return tmp_path / "mail"


@pytest.fixture
def mailbox_port(mail_dir: Path) -> Iterator[int]:
    with running_mailbox(mail_dir) as port:
        yield port


def settings(port: int) -> SmtpSettings:
    return SmtpSettings(port=port, from_address=FROM, timeout=5)


def queue(
    db: Database,
    case_id: int | None,
    *,
    template: str = "staff_reassurance",
    to: str = SAM,
    name: str = "Sam Staff",
    subject: str | None = None,
    **case: Any,
) -> Queued:
    """Render a template the way the engine does and write its outbox row."""
    context = sample_context()
    context["case"] = {**context["case"], **case}
    rendered = TemplateRenderer().render(template, context)
    message_id = make_message_id("oakfield.example")
    with db.unit_of_work() as session:
        row = OutboxMessage(
            case_id=case_id,
            template=template,
            recipient_email=to,
            recipient_name=name,
            subject=subject if subject is not None else rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            message_id=message_id,
            next_attempt_at=NOW,
            created_at=NOW,
        )
        session.add(row)
        session.flush()
        return Queued(row.id, message_id, rendered)


def outbox_row(db: Database, row_id: int) -> OutboxMessage:
    with db.reading() as session:
        return session.get_one(OutboxMessage, row_id)


def events(db: Database, case_id: int, kind: str) -> list[AuditEvent]:
    with db.reading() as session:
        return [event for event in audit.events(session, case_id) if event.kind == kind]


def free_port() -> int:
    """A port with nothing listening on it: the mail server is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Refusing:
    """A mail server that answers every recipient with one reply, such as 451 or 550."""

    def __init__(self, reply: str):
        self.reply = reply

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]) -> str:
        return self.reply


class CountingConnections(MaildirHandler):
    def __init__(self, folder: Path):
        super().__init__(folder)
        self.peers: set[object] = set()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.peers.add(session.peer)
        return await super().handle_DATA(server, session, envelope)


def bodies(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def test_queued_email_arrives_with_recipient_subject_both_bodies_and_its_message_id(
    db: Database, case_id: int, mail_dir: Path, mailbox_port: int
) -> None:
    queued = queue(db, case_id)

    result = dispatch_due_sync(db, settings(mailbox_port), NOW)

    assert (result.sent, result.retried, result.failed) == (1, 0, 0)
    message = read_message(mail_dir, 1)
    assert message["To"].addresses[0].addr_spec == SAM
    assert message["To"].addresses[0].display_name == "Sam Staff"
    assert message["X-Envelope-To"] == SAM
    assert message["From"] == FROM
    assert message["Subject"] == queued.rendered.subject
    assert message["Message-ID"] == queued.message_id
    assert message.get_content_type() == "multipart/alternative"
    text, html = bodies(message)
    assert text.strip() == queued.rendered.text.strip()
    assert html.strip() == queued.rendered.html.strip()
    row = outbox_row(db, queued.id)
    assert (row.status, row.sent_at, row.attempts) == ("sent", NOW, 1)
    [sent] = events(db, case_id, "email_sent")
    assert sent.actor == "system"
    assert sent.data == {"to": SAM, "template": "staff_reassurance", "message_id": queued.message_id}


def test_a_case_summary_with_a_script_arrives_inert_in_the_html(
    db: Database, case_id: int, mail_dir: Path, mailbox_port: int
) -> None:
    queue(db, case_id, template="new_case", to="head@oakfield.example", summary="<script>alert(1)</script> posted")

    dispatch_due_sync(db, settings(mailbox_port), NOW)

    text, html = bodies(read_message(mail_dir, 1))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; posted" in html
    assert "<script>" not in html
    assert "<script>alert(1)</script> posted" in text  # plain text is shown as text, never run


def test_line_breaks_in_a_subject_or_name_cannot_add_a_header(
    db: Database, case_id: int, mail_dir: Path, mailbox_port: int
) -> None:
    queue(db, case_id, name="Sam Staff\r\nBcc: spy@evil.example", subject="Hello\r\nBcc: spy@evil.example\r\n\r\nforged body")

    dispatch_due_sync(db, settings(mailbox_port), NOW)

    message = read_message(mail_dir, 1)
    assert message["Bcc"] is None
    assert message["X-Envelope-To"] == SAM
    assert [a.addr_spec for a in message["To"].addresses] == [SAM]
    assert message["Subject"] == "Hello Bcc: spy@evil.example forged body"
    assert "forged body" not in bodies(message)[0]


def test_a_recipient_that_is_not_one_address_is_parked_and_never_sent(
    db: Database, case_id: int, mail_dir: Path, mailbox_port: int
) -> None:
    queued = queue(db, case_id, to=f"{SAM}, spy@evil.example")

    result = dispatch_due_sync(db, settings(mailbox_port), NOW)

    assert result.failed == 1
    row = outbox_row(db, queued.id)
    assert row.status == "failed" and "not one email address" in (row.last_error or "")
    assert list_messages(mail_dir) == []


def test_while_the_server_is_down_messages_wait_then_all_arrive_once_it_is_up(db: Database, case_id: int, mail_dir: Path) -> None:
    port = free_port()
    ids = [queue(db, case_id).id for _ in range(3)]

    down = dispatch_due_sync(db, settings(port), NOW)

    assert (down.sent, down.retried, down.failed) == (0, 3, 0)
    for row in (outbox_row(db, i) for i in ids):
        assert row.status == "queued" and row.attempts == 1 and row.next_attempt_at > NOW
        assert row.last_error
    assert len(events(db, case_id, "email_retry")) == 3
    assert dispatch_due_sync(db, settings(port), NOW).total == 0  # not due again yet

    with running_mailbox(mail_dir, port=port):
        up = dispatch_due_sync(db, settings(port), NOW + timedelta(hours=2))

    assert up.sent == 3
    assert len(list_messages(mail_dir)) == 3
    assert all(outbox_row(db, i).status == "sent" for i in ids)


def test_a_temporary_refusal_is_retried_after_about_thirty_seconds(db: Database, case_id: int, tmp_path: Path) -> None:
    queued = queue(db, case_id)

    with running_smtp(Refusing("451 4.3.0 Mailbox busy, try later")) as port:
        result = dispatch_due_sync(db, settings(port), NOW)

    assert result.retried == 1
    row = outbox_row(db, queued.id)
    assert row.status == "queued" and "451" in (row.last_error or "")
    assert NOW + timedelta(seconds=24) <= row.next_attempt_at <= NOW + timedelta(seconds=36)


def test_a_permanent_refusal_parks_the_message_as_failed_with_an_audit_event(db: Database, case_id: int) -> None:
    queued = queue(db, case_id)

    with running_smtp(Refusing("550 5.1.1 No such user here")) as port:
        result = dispatch_due_sync(db, settings(port), NOW)

    assert (result.sent, result.retried, result.failed) == (0, 0, 1)
    row = outbox_row(db, queued.id)
    assert row.status == "failed" and "550" in (row.last_error or "") and "No such user" in (row.last_error or "")
    [failed] = events(db, case_id, "email_failed")
    assert failed.data["message_id"] == queued.message_id and "550" in failed.data["error"]
    assert dispatch_due_sync(db, settings(port), NOW + timedelta(days=1)).total == 0  # parked: never tried again alone


def test_temporary_failures_give_up_after_the_last_attempt(db: Database, case_id: int) -> None:
    queued = queue(db, case_id)
    with db.unit_of_work() as session:
        session.get_one(OutboxMessage, queued.id).attempts = MAX_ATTEMPTS - 1

    with running_smtp(Refusing("451 4.3.0 Try later")) as port:
        dispatch_due_sync(db, settings(port), NOW)

    row = outbox_row(db, queued.id)
    assert row.status == "failed" and "gave up after 10 attempts" in (row.last_error or "")


def test_retry_requeues_a_parked_message_which_is_then_delivered(
    db: Database, case_id: int, mail_dir: Path, mailbox_port: int
) -> None:
    queued = queue(db, case_id)
    with running_smtp(Refusing("550 5.7.1 Relaying denied")) as port:
        dispatch_due_sync(db, settings(port), NOW)

    later = NOW + timedelta(hours=3)
    assert retry(db, ALL_FAILED, later, actor="head@oakfield.example") == 1

    row = outbox_row(db, queued.id)
    assert (row.status, row.attempts, row.next_attempt_at) == ("queued", 0, later)
    [requeued] = events(db, case_id, "email_requeued")
    assert requeued.actor == "head@oakfield.example" and "550" in requeued.data["previous_error"]
    assert dispatch_due_sync(db, settings(mailbox_port), later).sent == 1
    assert read_message(mail_dir, 1)["Message-ID"] == queued.message_id
    assert retry(db, queued.message_id, later, actor="head@oakfield.example") == 0  # sent: nothing to requeue


def test_a_crash_between_sending_and_marking_resends_the_same_message_id(
    db: Database, case_id: int, mail_dir: Path, mailbox_port: int
) -> None:
    queued = queue(db, case_id)
    [claimed] = claim(db, NOW, batch=10)
    # The server accepts the message; the process dies before the row is marked sent.
    asyncio.run(aiosmtplib.send(build_message(claimed, FROM, date=NOW), hostname="127.0.0.1", port=mailbox_port))

    assert dispatch_due_sync(db, settings(mailbox_port), NOW + timedelta(minutes=1)).total == 0  # still claimed
    resent = dispatch_due_sync(db, settings(mailbox_port), NOW + CLAIM_LEASE)

    assert resent.sent == 1
    first, second = (read_message(mail_dir, n) for n in (1, 2))
    assert first["Message-ID"] == second["Message-ID"] == queued.message_id
    assert outbox_row(db, queued.id).status == "sent"


def test_many_messages_share_a_few_connections(db: Database, case_id: int, mail_dir: Path) -> None:
    for n in range(25):
        queue(db, case_id, to=f"staff{n}@oakfield.example")
    handler = CountingConnections(mail_dir)

    with running_smtp(handler) as port:
        result = dispatch_due_sync(db, settings(port), NOW, batch=10, concurrency=3)

    assert result.sent == 25
    assert len(list_messages(mail_dir)) == 25
    assert 1 <= len(handler.peers) <= 3


def test_an_email_without_a_case_is_sent_and_audits_nothing(db: Database, mail_dir: Path, mailbox_port: int) -> None:
    queued = queue(db, None, template="daily_digest", to="head@oakfield.example", name="Helen Head")

    assert dispatch_due_sync(db, settings(mailbox_port), NOW).sent == 1

    assert outbox_row(db, queued.id).status == "sent"
    assert read_message(mail_dir, 1)["Subject"] == queued.rendered.subject
