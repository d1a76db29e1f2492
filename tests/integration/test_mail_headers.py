"""Header injection, end to end: hostile names go through the outbox to a real SMTP server on
loopback, and the RAW bytes it received (the DATA, not a parsed message) carry each header once."""

from __future__ import annotations

import base64
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from notifications.dispatch import SmtpSettings, dispatch_due_sync
from notifications.mail import HEADERS, make_message_id
from notifications.mailbox import running_smtp
from notifications.render import TemplateRenderer, sample_context
from store import Database, OutboxMessage
from store.migrate import upgrade

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FROM = "Oakfield Primary <redress@oakfield.example>"
SAM = "sam@oakfield.example"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


HOSTILE_NAMES = {
    "q_reply_to": "=?utf-8?q?Sam=0D=0AReply-To:_attacker@evil.example?=",
    "q_bcc": "=?utf-8?q?Sam=0D=0ABcc:_spy@evil.example?=",
    "q_lower_lf": "=?UTF-8?Q?Sam=0ABcc:=20spy@evil.example?=",
    "b_bcc": f"=?utf-8?b?{_b64('Sam' + chr(13) + chr(10) + 'Bcc: spy@evil.example')}?=",
    "b_reply_to": f"=?utf-8?B?{_b64('Sam' + chr(13) + chr(10) + 'Reply-To: attacker@evil.example')}?=",
    "raw_crlf_bcc": "Sam\r\nBcc: spy@evil.example",
    "raw_crlf_body": "Sam\r\n\r\nReply-To: attacker@evil.example",
    "raw_lf_cc": "Sam\nCc: spy@evil.example",
    "unicode_breaks": "Sam\u2028Bcc: spy@evil.example\x85Reply-To: attacker@evil.example",
    "second_address": 'Sam", spy@evil.example, "x',
    "long_quoted": "Staff " * 12 + '\\", spy@evil.example',
    "nested_words": "=?utf-8?q?=3D=3Futf-8=3Fq=3FSam=3D0D=3D0ABcc:_spy@evil.example=3F=3D?=",
}


class RawCapture:
    """An SMTP server handler that keeps exactly what each DATA command received, and the envelope."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append((list(envelope.rcpt_tos), envelope.original_content or b""))
        return "250 2.0.0 kept"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'redress.db'}")
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def templates(tmp_path: Path) -> TemplateRenderer:
    """The shipped templates, with a school's subject that prints the recipient's name."""
    folder = tmp_path / "school-templates"
    folder.mkdir()
    (folder / "staff_reassurance.subject.txt").write_text("For {{ recipient.name }}: {{ school_name }}\n")
    return TemplateRenderer(folder)


def queue(db: Database, renderer: TemplateRenderer, name: str, to: str = SAM) -> None:
    context = sample_context() | {"recipient": {"name": name, "email": to}}
    rendered = renderer.render("staff_reassurance", context)
    with db.unit_of_work() as session:
        session.add(
            OutboxMessage(
                case_id=None,
                template="staff_reassurance",
                recipient_email=to,
                recipient_name=name,
                subject=rendered.subject,
                body_text=rendered.text,
                body_html=rendered.html,
                message_id=make_message_id("oakfield.example"),
                next_attempt_at=NOW,
                created_at=NOW,
            )
        )


def header_block(raw: bytes) -> bytes:
    head, blank, _ = raw.partition(b"\r\n\r\n")
    assert blank, "no blank line after the headers"
    return head


def field_names(head: bytes) -> Counter[str]:
    lines = head.split(b"\r\n")
    for line in lines:
        assert b"\r" not in line and b"\n" not in line, f"a bare line break in {line!r}"
        assert re.fullmatch(rb"[!-9;-~]+:.*|[ \t].*", line), f"neither a field nor a continuation: {line!r}"
    return Counter(line.split(b":", 1)[0].decode().lower() for line in lines if line[:1] not in (b" ", b"\t"))


def test_hostile_names_reach_the_smtp_server_with_each_header_once_and_no_reply_to_or_bcc(
    db: Database, templates: TemplateRenderer
) -> None:
    for name in HOSTILE_NAMES.values():
        queue(db, templates, name)
    handler = RawCapture()

    with running_smtp(handler) as port:
        result = dispatch_due_sync(db, SmtpSettings(port=port, from_address=FROM, timeout=5), NOW)

    assert (result.sent, result.failed, result.retried) == (len(HOSTILE_NAMES), 0, 0)  # neutralised, still sent
    assert len(handler.received) == len(HOSTILE_NAMES)
    for recipients, raw in handler.received:
        head = header_block(raw)
        assert field_names(head) == Counter(name.lower() for name in HEADERS), head.decode()
        assert not re.search(rb"(?im)^(reply-to|bcc|cc|sender|return-path)\s*:", head), head.decode()
        assert recipients == [SAM]
        parsed = BytesParser(policy=default_policy).parsebytes(raw, headersonly=True)
        assert [address.addr_spec for address in parsed["To"].addresses] == [SAM]
        assert str(parsed["Subject"]).strip().startswith("For ") and "Oakfield" in str(parsed["Subject"])
        for decoded in (str(parsed["Subject"]), parsed["To"].addresses[0].display_name):
            assert not re.search(r"[\x00-\x1f\x7f\x85\u2028\u2029]", decoded)
            assert "=?" not in decoded  # no encoded-word survives to be decoded by the recipient's reader


def test_an_internationalised_domain_is_sent_in_punycode(db: Database, templates: TemplateRenderer) -> None:
    queue(db, templates, "José Núñez", to="jose@exämple.com")
    handler = RawCapture()

    with running_smtp(handler) as port:
        result = dispatch_due_sync(db, SmtpSettings(port=port, from_address=FROM, timeout=5), NOW)

    assert result.sent == 1
    recipients, raw = handler.received[0]
    assert recipients == ["jose@xn--exmple-cua.com"]
    assert raw.isascii()
    parsed = BytesParser(policy=default_policy).parsebytes(raw, headersonly=True)
    assert parsed["To"].addresses[0].display_name == "José Núñez"
    assert parsed["To"].addresses[0].addr_spec == "jose@xn--exmple-cua.com"


def test_an_address_no_mail_server_takes_is_parked_and_never_sent(db: Database, templates: TemplateRenderer) -> None:
    queue(db, templates, "José", to="josé@example.com")
    handler = RawCapture()

    with running_smtp(handler) as port:
        result = dispatch_due_sync(db, SmtpSettings(port=port, from_address=FROM, timeout=5), NOW)

    assert (result.sent, result.failed) == (0, 1)
    assert handler.received == []
    with db.reading() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "failed" and "before the @" in (row.last_error or "")
