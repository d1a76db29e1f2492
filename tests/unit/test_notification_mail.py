"""Building an outbox row's email, and the wait between attempts: no network, no database."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest

from notifications.errors import AddressError, NotificationError
from notifications.mail import build_message, make_message_id, one_line, recipient_address, sender_address
from notifications.outbox import backoff

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    recipient_email: str = "sam@school.example"
    recipient_name: str = "Sam Staff"
    subject: str = "Comments posted online about you"
    body_text: str = "Dear Sam,\n\nWe are dealing with it. £5 café\n"
    body_html: str = "<p>Dear Sam,</p><p>We are dealing with it.</p>"
    message_id: str = "<1.2.3@school.example>"


def sent_bytes(row: Row) -> bytes:
    return build_message(row, "Oakfield Primary <redress@school.example>", date=NOW).as_bytes(policy=policy.SMTP)


def test_a_message_has_text_then_html_and_the_row_s_headers() -> None:
    message = message_from_bytes(sent_bytes(Row()), policy=policy.default)

    assert message["To"] == "Sam Staff <sam@school.example>"
    assert message["From"] == "Oakfield Primary <redress@school.example>"
    assert message["Message-ID"] == "<1.2.3@school.example>"
    assert message["Date"] == "Mon, 23 Nov 2026 10:00:00 +0000"
    assert message["Auto-Submitted"] == "auto-generated"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert "£5 café" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert sent_bytes(Row()).isascii()  # 7-bit clean: any mail server takes it


def test_line_breaks_in_a_name_or_subject_become_spaces() -> None:
    raw = sent_bytes(Row(recipient_name="Sam\r\nBcc: spy@evil.example", subject="Hi\nBcc: spy@evil.example\r\n\r\nbody"))
    message = message_from_bytes(raw, policy=policy.default)

    assert message["Bcc"] is None
    assert message["Subject"] == "Hi Bcc: spy@evil.example body"
    assert [a.addr_spec for a in message["To"].addresses] == ["sam@school.example"]


def test_one_line_removes_every_control_character() -> None:
    assert one_line("a\r\nb\tc\x00d\x0be\u2028f  g ") == "a b c d e f g"


@pytest.mark.parametrize("address", [
    "sam@school.example, spy@evil.example",
    "sam@school.example\r\nBcc: spy@evil.example",
    "Sam <sam@school.example>",
    "sam",
    "sam@",
    "@school.example",
    "sam@school.example (comment)",
    "sam@bücher.example",
    "",
])
def test_a_recipient_must_be_exactly_one_valid_address(address: str) -> None:
    with pytest.raises(AddressError):
        recipient_address(address, "Sam")
    with pytest.raises(AddressError):
        build_message(Row(recipient_email=address), "redress@school.example", date=NOW)


def test_a_sender_may_carry_a_name_but_only_one_address() -> None:
    assert sender_address("Oakfield <redress@school.example>").domain == "school.example"
    assert sender_address("redress@school.example").display_name == ""
    with pytest.raises(AddressError):
        sender_address("a@school.example, b@school.example")


def test_a_message_id_is_unique_under_the_school_s_domain() -> None:
    first, second = make_message_id("school.example"), make_message_id("school.example")

    assert first != second
    assert first.startswith("<") and first.endswith("@school.example>")
    with pytest.raises(NotificationError):
        make_message_id("bad domain\r\n")


def test_a_malformed_message_id_is_refused() -> None:
    with pytest.raises(NotificationError):
        build_message(replace(Row(), message_id="<x@y>\r\nBcc: spy@evil.example"), "redress@school.example", date=NOW)


def test_the_wait_doubles_from_thirty_seconds_to_an_hour_with_jitter() -> None:
    rng = random.Random(7)
    for attempts, nominal in [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (50, 3600)]:
        wait = backoff(attempts, rng)
        assert timedelta(seconds=nominal * 0.8) <= wait <= timedelta(seconds=nominal * 1.2)
    assert len({backoff(1, rng) for _ in range(20)}) > 1  # jittered, so retries spread out
