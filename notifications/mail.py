"""Build the email for an outbox row: text and HTML alternatives, headers nobody can inject into.

Safe by construction, then checked:

1. every text that reaches a header (a display name, the subject) goes through `header_text`:
   control characters and line breaks become spaces and the RFC 2047 opener `=?` is broken
   up, so the email package can neither write a line break nor decode one from an
   encoded-word such as `=?utf-8?q?Sam=0D=0ABcc:_x@evil.example?=`;
2. addresses pass `check_address` and are built as `email.headerregistry.Address` objects;
3. the message is generated with the SMTP policy (CRLF, `raise_on_defect`, and
   `verify_generated_headers` on Pythons that have it), and `prepare` then reads back the
   header block it produced: exactly the headers in HEADERS, each once, and exactly one
   recipient. Anything else is a NotificationError and nothing is sent.

The Message-ID is the row's own (`make_message_id`, called once when the row is written), so a
message sent twice is recognisably the same email.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email import policy as email_policy
from email.errors import HeaderParseError, MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from functools import lru_cache
from typing import Any, Protocol

from .address import check_address, check_domain
from .errors import AddressError, NotificationError

HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "MIME-Version", "Content-Type")
"""The top-level headers of every message Redress sends: each exactly once, no others."""
_STRICT: dict[str, Any] = {"raise_on_defect": True} | (
    {"verify_generated_headers": True} if hasattr(email_policy.SMTP, "verify_generated_headers") else {}
)
POLICY = email_policy.SMTP.clone(**_STRICT)
"""How messages are built and written: CRLF line ends, and the email package's own checks switched on."""
NAME_MAX = 40
"""Longest display name kept whole: with the longest address a header still fits on one line, unfolded."""
_READ_BACK = email_policy.default.clone(raise_on_defect=True)
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")
_FIELD_LINE = re.compile(rb"[!-9;-~]+:[^\r\n]*|[ \t][^\r\n]*")
_UNFOLD = re.compile(rb"\r\n(?![ \t])")  # a line break not followed by a continuation ends a field
_LINE_BREAKS = {"Zl", "Zp"}  # U+2028, U+2029: Python's str.splitlines() breaks lines there too


class Mail(Protocol):
    """What a message is built from: an OutboxMessage row, or anything shaped like one."""

    @property
    def recipient_email(self) -> str: ...
    @property
    def recipient_name(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def body_text(self) -> str: ...
    @property
    def body_html(self) -> str: ...
    @property
    def message_id(self) -> str: ...


@dataclass(frozen=True)
class Outgoing:
    """A message ready for SMTP: the envelope's two addresses and the checked bytes of the message."""

    sender: str
    recipient: str
    data: bytes


def prepare(mail: Mail, from_address: str, *, date: datetime) -> Outgoing:
    """The bytes to send for `mail`, with their envelope, after checking the header block they carry."""
    message = build_message(mail, from_address, date=date)
    try:
        data = message.as_bytes(policy=POLICY)
    except (MessageError, ValueError) as exc:  # HeaderWriteError, where Python has it, is a MessageError
        raise NotificationError(f"the message could not be written safely ({exc})") from exc
    sender, recipient = sender_address(from_address).addr_spec, recipient_address(mail.recipient_email).addr_spec
    verify_headers(data, recipient)
    return Outgoing(sender, recipient, data)


def build_message(mail: Mail, from_address: str, *, date: datetime) -> EmailMessage:
    """A multipart/alternative message (text, then HTML) ready for SMTP."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender_address(from_address)
    message["To"] = recipient_address(mail.recipient_email, mail.recipient_name)
    message["Subject"] = header_text(mail.subject)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = _checked_message_id(mail.message_id)
    # RFC 3834: tells autoresponders ("out of office") not to answer a machine.
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps every line 7-bit and short, so any server takes it (no 8BITMIME needed).
    message.set_content(mail.body_text, cte="quoted-printable")
    message.add_alternative(mail.body_html, subtype="html", cte="quoted-printable")
    return message


def header_text(text: str) -> str:
    """`text` made safe for a header: one line, no control characters, no RFC 2047 encoded-word.

    Control characters and line breaks become single spaces (runs of spaces become one), and
    every `=?` becomes `= ?`, so no part of the text can be decoded as an encoded-word. Mail
    still goes out: a name or subject loses only what could have broken the header."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", *_LINE_BREAKS) else ch for ch in text)
    text = " ".join(cleaned.split())
    while "=?" in text:
        text = text.replace("=?", "= ?")
    return text


def display_name(name: str) -> str:
    """`header_text(name)` cut to NAME_MAX characters, with `"` written `'` and `\\` written `/`.

    The email package drops the quotes (and escapes) of a display name when it folds the line,
    and then a name such as `a, b@evil.example` reads as a second address: a name short enough
    never to be folded, with nothing to escape, keeps its quotes."""
    text = header_text(name).replace('"', "'").replace("\\", "/")
    return text if len(text) <= NAME_MAX else text[: NAME_MAX - 3].rstrip() + "..."


def recipient_address(email: str, name: str = "") -> Address:
    """One deliverable address (see `check_address`) with a safe display name; AddressError otherwise."""
    try:
        local, _, domain = check_address(email).rpartition("@")
        return Address(display_name=display_name(name), username=local, domain=domain)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise AddressError(str(exc)) from exc


@lru_cache(maxsize=16)  # the same setting for every message: parse it once
def sender_address(from_address: str) -> Address:
    """The From address, written either `name@school.org` or `Name <name@school.org>`."""
    if any(unicodedata.category(ch) in ("Cc", *_LINE_BREAKS) for ch in from_address):
        raise AddressError(f"the sender {from_address!r} has a line break or a control character")
    parsed = getaddresses([from_address])
    if len(parsed) != 1 or not parsed[0][1]:
        raise AddressError(f"the sender {from_address!r} must be exactly one address, e.g. 'Redress <redress@school.org>'")
    name, addr_spec = parsed[0]
    return recipient_address(addr_spec, name)


def make_message_id(domain: str) -> str:
    """A new, globally unique Message-ID under `domain` (the school's mail domain), e.g. `<...@school.org>`.

    The only maker of Message-IDs: call it once, when the outbox row is written, and store it
    in the row; every attempt to send the row (a retry, a resend after a crash) reuses it."""
    return make_msgid("redress", domain=_message_id_domain(domain))


@functools.lru_cache(maxsize=16)
def _message_id_domain(domain: str) -> str:
    """The domain checked once per process (it is the school's one mail domain; a batch of deadlines makes
    thousands of Message-IDs under it). A refused domain is not kept: it is refused again each time."""
    try:
        return check_domain(domain)
    except ValueError as exc:
        raise NotificationError(f"{domain!r} is not a domain name for a Message-ID") from exc


def domain_of(from_address: str) -> str:
    """The domain of the From address: where this school's Message-IDs live."""
    return sender_address(from_address).domain


def verify_headers(data: bytes, recipient: str) -> None:
    """Refuse `data` unless its header block is exactly HEADERS, each once, To naming only `recipient`."""
    head, blank, _ = data.partition(b"\r\n\r\n")
    if not blank or not all(_FIELD_LINE.fullmatch(line) for line in head.split(b"\r\n")) or head[:1] in (b" ", b"\t"):
        raise NotificationError("the message's header block is malformed (a stray line break): not sent")
    fields = [_field(unfolded) for unfolded in _UNFOLD.split(head)]
    names = sorted(name for name, _ in fields)
    if names != sorted(name.lower() for name in HEADERS):
        raise NotificationError(f"the message would carry unexpected or repeated headers ({', '.join(names)}): not sent")
    try:
        addresses = [address.addr_spec for address in _READ_BACK.header_factory("To", dict(fields)["to"]).addresses]
    except (MessageError, ValueError, AttributeError) as exc:
        raise NotificationError(f"the message's To header cannot be read back ({exc}): not sent") from exc
    if addresses != [recipient]:
        raise NotificationError(f"the message's To header names {addresses}, not only {recipient}: not sent")


def _field(unfolded: bytes) -> tuple[str, str]:
    name, _, value = unfolded.partition(b":")
    return name.decode("ascii").lower(), value.replace(b"\r\n", b"").decode("ascii", "replace").strip()


def _checked_message_id(message_id: str) -> str:
    if not _MESSAGE_ID.fullmatch(message_id) or not message_id.isascii():
        raise NotificationError(f"{message_id!r} is not a Message-ID (expected <unique@domain>)")
    return message_id
