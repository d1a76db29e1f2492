"""Whether an email address will be accepted by an ordinary mail server, and its normal form.

`check_address` is the one test every door (adding a person, the From setting, the
dispatcher) applies, so an address the app accepts is one the mail server will take:

- the local part (before `@`) is plain ASCII: letters, digits and ``!#$%&'*+-/=?^_`{|}~``,
  with single dots between them (RFC 5321 dot-atom). Non-ASCII local parts would need
  SMTPUTF8, which many school mail servers lack; quoted local parts are refused too;
- the domain is a host name of labels of letters, digits and hyphens, with at least one dot
  (or is `localhost`); an internationalised domain (`exämple.com`) is encoded to its
  punycode form (`xn--exmple-cua.com`, IDNA 2008 with UTS 46 mapping), which every server takes;
- RFC 5321 limits: local part at most 64 characters, domain at most 253, the whole at most 254.

The domain is lower-cased (DNS ignores case); the local part is kept as written.
"""

from __future__ import annotations

import re

import idna

LOCAL_MAX, DOMAIN_MAX, ADDRESS_MAX, LABEL_MAX = 64, 253, 254, 63
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATOM}(\.{_ATOM})*")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")


def check_address(text: str) -> str:
    """`text` as one deliverable address in normal form; ValueError with a one-line reason otherwise."""
    address = text.strip()
    if not address:
        raise ValueError("the email address is empty")
    if any(ch.isspace() or ch in '<>,;"()[]\\' or not ch.isprintable() for ch in address):
        raise ValueError(
            f"{_shown(address)} is not one email address: write it as name@school.example, with no spaces, brackets or commas"
        )
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"{_shown(address)} is not an email address: write it as name@school.example")
    _check_local(local, address)
    normal = f"{local}@{check_domain(domain, address)}"
    if len(normal) > ADDRESS_MAX:
        raise ValueError(f"{_shown(address)} is too long for an email address (at most {ADDRESS_MAX} characters)")
    return normal


def check_domain(domain: str, address: str | None = None) -> str:
    """A mail domain in ASCII, lower case: punycode for an internationalised one; ValueError otherwise."""
    shown = _shown(address or domain)
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise ValueError(f"{shown} has a domain that cannot be written for email ({exc})") from None
    domain = domain.lower().removesuffix(".")
    labels = domain.split(".")
    if len(domain) > DOMAIN_MAX:
        raise ValueError(f"{shown} has a domain longer than {DOMAIN_MAX} characters")
    if not all(_LABEL.fullmatch(label) and len(label) <= LABEL_MAX for label in labels):
        raise ValueError(f"{shown} has a malformed domain: use letters, digits, hyphens and dots, as in school.example")
    if (len(labels) < 2 and domain != "localhost") or labels[-1].isdigit():
        raise ValueError(f"{shown} has no full domain after the @: write it as name@school.example")
    return domain


def _check_local(local: str, address: str) -> None:
    if not local.isascii():
        raise ValueError(
            f"{_shown(address)} has accents or other non-ASCII letters before the @, which mail servers refuse: use the plain form"
        )
    if len(local) > LOCAL_MAX:
        raise ValueError(f"{_shown(address)} has more than {LOCAL_MAX} characters before the @")
    if not _LOCAL.fullmatch(local):
        raise ValueError(f"{_shown(address)} has characters or dots mail servers refuse before the @")


def _shown(text: str) -> str:
    """`text` quoted for a message, without its control characters, cut to a readable length."""
    visible = "".join(ch if ch.isprintable() else "?" for ch in text)
    return repr(visible if len(visible) <= 80 else visible[:77] + "...")
