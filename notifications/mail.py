"""Build the email for an outbox row: text and HTML alternatives, headers nobody can inject into.

Names and subjects are made single-line (a line break in a name cannot start a new header),
and an address must be exactly one valid address, or AddressError says why not. The
Message-ID is the row's own, so a message sent twice is recognisably the same email.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from typing import Protocol

from .errors import AddressError, NotificationError

_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")
_DOMAIN = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")


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


def build_message(mail: Mail, from_address: str, *, date: datetime) -> EmailMessage:
    """A multipart/alternative message (text, then HTML) ready for SMTP."""
    message = EmailMessage()
    message["From"] = sender_address(from_address)
    message["To"] = recipient_address(mail.recipient_email, mail.recipient_name)
    message["Subject"] = one_line(mail.subject)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = _checked_message_id(mail.message_id)
    # RFC 3834: tells autoresponders ("out of office") not to answer a machine.
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps every line 7-bit and short, so any server takes it (no 8BITMIME needed).
    message.set_content(mail.body_text, cte="quoted-printable")
    message.add_alternative(mail.body_html, subtype="html", cte="quoted-printable")
    return message


def one_line(text: str) -> str:
    """`text` with control characters and line breaks turned into single spaces."""
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(cleaned.split())


def recipient_address(email: str, name: str = "") -> Address:
    """One valid address with a single-line display name; AddressError otherwise."""
    addr_spec = email.strip()
    if not addr_spec or any(ch in addr_spec for ch in "\r\n"):
        raise AddressError(f"{email!r} is not an email address: it is empty or has a line break")
    try:
        address = Address(display_name=one_line(name), addr_spec=addr_spec)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise AddressError(f"{addr_spec!r} is not one valid email address ({exc})") from exc
    if not address.username or not address.domain or address.addr_spec != addr_spec:
        raise AddressError(f"{addr_spec!r} is not one valid email address: write it as name@example.org")
    if not addr_spec.isascii():
        # Would need SMTPUTF8, which many school mail servers lack: refuse it plainly instead.
        raise AddressError(f"{addr_spec!r} has non-ASCII characters: use the address's ASCII form (for a domain, xn--...)")
    return address


def sender_address(from_address: str) -> Address:
    """The From address, written either `name@school.org` or `Name <name@school.org>`."""
    if any(ch in from_address for ch in "\r\n"):
        raise AddressError(f"the sender {from_address!r} has a line break")
    parsed = getaddresses([from_address])
    if len(parsed) != 1 or not parsed[0][1]:
        raise AddressError(f"the sender {from_address!r} must be exactly one address, e.g. 'Redress <redress@school.org>'")
    name, addr_spec = parsed[0]
    return recipient_address(addr_spec, name)


def make_message_id(domain: str) -> str:
    """A new, globally unique Message-ID under `domain` (the school's mail domain), e.g. `<...@school.org>`."""
    if not _DOMAIN.fullmatch(domain):
        raise NotificationError(f"{domain!r} is not a domain name for a Message-ID")
    return make_msgid(domain=domain)


def domain_of(from_address: str) -> str:
    """The domain of the From address: where this school's Message-IDs live."""
    return sender_address(from_address).domain


def _checked_message_id(message_id: str) -> str:
    if not _MESSAGE_ID.fullmatch(message_id):
        raise NotificationError(f"{message_id!r} is not a Message-ID (expected <unique@domain>)")
    return message_id
