"""Building an outbox row's email, and the wait between attempts: no network, no database."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from notifications.errors import AddressError, NotificationError
from notifications.mail import (
    HEADERS,
    build_message,
    display_name,
    header_text,
    make_message_id,
    prepare,
    recipient_address,
    sender_address,
    verify_headers,
)
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


def test_header_text_removes_every_control_character() -> None:
    assert header_text("a\r\nb\tc\x00d\x0be\u2028f  g ") == "a b c d e f g"


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=?utf-8?q?Sam=0D=0AReply-To:_attacker@evil.example?=", "= ?utf-8?q?Sam=0D=0AReply-To:_attacker@evil.example?="),
        ("=?utf-8?b?U2FtDQpCY2M6IHNweUBldmlsLmV4YW1wbGU=?=", "= ?utf-8?b?U2FtDQpCY2M6IHNweUBldmlsLmV4YW1wbGU= ?="),
        ("==??=?=", "== ??= ?="),
        ("Sam\x85Bcc: x\u2029y\x1ez", "Sam Bcc: x y z"),
        ("Zoë O'Brien-Smith", "Zoë O'Brien-Smith"),
        ("Is it fine?=yes", "Is it fine?=yes"),  # a closing marker alone opens nothing
    ],
)
def test_header_text_leaves_no_line_break_and_no_encoded_word(text: str, safe: str) -> None:
    assert header_text(text) == safe
    assert "=?" not in header_text(text)


def test_a_display_name_has_nothing_to_escape_and_is_short_enough_never_to_be_folded() -> None:
    assert display_name('Sam "The Boss" Staff\\') == "Sam 'The Boss' Staff/"
    assert len(display_name("Staff " * 30)) == 40 and display_name("Staff " * 30).endswith("...")


@pytest.mark.parametrize(
    "name",
    [
        "=?utf-8?q?Sam=0D=0AReply-To:_attacker@evil.example?=",
        "=?utf-8?b?U2FtDQpCY2M6IHNweUBldmlsLmV4YW1wbGU=?=",
        'Sam", spy@evil.example, "x',
        "Staff " * 12 + '\\", spy@evil.example',
        "Sam\r\nBcc: spy@evil.example",
    ],
)
def test_a_hostile_name_goes_out_with_exactly_the_expected_headers(name: str) -> None:
    outgoing = prepare(Row(recipient_name=name, subject=f"For {name}"), "Oakfield <redress@school.example>", date=NOW)
    message = message_from_bytes(outgoing.data, policy=policy.default)

    assert sorted(message.keys()) == sorted(HEADERS)
    assert [a.addr_spec for a in message["To"].addresses] == [outgoing.recipient] == ["sam@school.example"]
    assert "\n" not in message["Subject"] and "=?" not in message["Subject"]


@pytest.mark.parametrize(
    "forged",
    [
        b"Bcc: spy@evil.example\r\n",
        b"To: spy@evil.example\r\n",
        b"Reply-To: x\nBcc: spy@evil.example\r\n",
    ],
)
def test_a_header_block_with_a_header_too_many_is_never_sent(forged: bytes) -> None:
    data = prepare(Row(), "redress@school.example", date=NOW).data
    with pytest.raises(NotificationError, match="not sent"):
        verify_headers(forged + data, "sam@school.example")


def test_a_to_header_naming_anyone_else_is_never_sent() -> None:
    data = prepare(Row(), "redress@school.example", date=NOW).data
    with pytest.raises(NotificationError, match="not sent"):
        verify_headers(
            data.replace(b"To: Sam Staff <sam@school.example>", b"To: a@b.example, sam@school.example"), "sam@school.example"
        )


def test_the_envelope_is_the_checked_address_in_punycode() -> None:
    outgoing = prepare(Row(recipient_email=" sam@bücher.example "), "Oakfield <redress@school.example>", date=NOW)
    assert (outgoing.sender, outgoing.recipient) == ("redress@school.example", "sam@xn--bcher-kva.example")


@pytest.mark.parametrize(
    "address",
    [
        "sam@school.example, spy@evil.example",
        "sam@school.example\r\nBcc: spy@evil.example",
        "Sam <sam@school.example>",
        "sam",
        "sam@",
        "@school.example",
        "sam@school.example (comment)",
        "josé@school.example",
        "sam@school.example\u2028Bcc: spy@evil.example",
        "",
    ],
)
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


def test_message_ids_are_made_in_one_place_only() -> None:
    root = Path(__file__).parents[2]
    makers = [
        path.relative_to(root).as_posix()
        for package in ("engine", "web", "notifications", "redress")
        for path in (root / package).rglob("*.py")
        if "make_msgid" in path.read_text(encoding="utf-8")
    ]
    assert makers == ["notifications/mail.py"]
