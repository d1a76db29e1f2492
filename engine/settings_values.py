"""The checks and masks of single setting values: URLs, header-safe text, secrets.

Kept apart from `engine.settings` so the settings model reads as a list of fields, and so the
masking every output uses (`config show`, `init`, error messages) lives in one place.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

MASK = "***"
MIN_SECRET_KEY = 32
DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgres", "postgresql+psycopg")
_SECRET_WORDS = ("secret", "password", "passwd", "key", "token")
_QUERY_START = re.compile(r"\?(?=[\w.%-]+=)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_secret_name(name: str) -> bool:
    """Whether a setting (or URL query parameter) is a secret by its name."""
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def header_safe(value: str, what: str) -> str:
    """Refuse line breaks and control characters: they would let a value add lines to an email header."""
    found = _CONTROL.search(value)
    if found:
        kind = "a line break" if found.group() in "\r\n" else f"a control character (U+{ord(found.group()):04X})"
        raise ValueError(f"the {what} has {kind}")
    return value


def web_address(value: str) -> str:
    """An http or https address with a host name."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{_CONTROL.sub('?', value)}' is not an http:// or https:// address with a host name")
    header_safe(value, "web address")
    return value.strip()


def database_address(value: str) -> str:
    """A URL SQLAlchemy can read, for a database Redress supports; the password never in the message."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(value)
    except Exception:  # make_url raises ArgumentError, ValueError (a bad port) and others on malformed text
        raise ValueError(f"'{masked_url(value)}' is not a database URL") from None
    written = _written_password(value)
    if written is not None and url.password != unquote(written):  # make_url split it elsewhere than we would
        raise ValueError(
            f"'{masked_url(value)}': the password holds a character to write percent-encoded "
            "('@' as %40, '?' as %3F, '#' as %23, '/' as %2F)"
        )
    if url.drivername not in DATABASE_SCHEMES:
        raise ValueError(f"'{url.drivername}' is not a database Redress supports (sqlite:// or postgresql://)")
    return value


def masked_url(text: str) -> str:
    """A URL with its password, wherever it is and whatever it holds, replaced by ***.

    The login ends at the last '@' before the query: a password with an unescaped '@', '/' or ':'
    is masked whole, where make_url alone would take part of it for the host or the database.
    """
    scheme, sep, rest = text.partition("://")
    if not sep:
        return MASK if ":" in text or "@" in text else text
    rest, qmark, query = _split_query(rest)
    login, at, place = rest.rpartition("@")
    if at and ":" in login:
        rest = f"{login.partition(':')[0]}:{MASK}@{place}"
    elif not at and not re.fullmatch(r"[^:/]*(:\d*)?(/.*)?", rest):  # host:port with a port that is no number
        rest = f"{rest.partition(':')[0]}:{MASK}"
    return f"{scheme}://{rest}{qmark}{_masked_query(query)}"


def _written_password(text: str) -> str | None:
    """The password as written between the first ':' of the login and its last '@', if there is one."""
    rest = _split_query(text.partition("://")[2])[0]
    login, at, _ = rest.rpartition("@")
    return login.partition(":")[2] if at and ":" in login else None


def _split_query(rest: str) -> tuple[str, str, str]:
    """Split at the '?' that starts the query: the first `?name=` after the last '@' (a '?' in a
    password comes before it), else the first `?name=` (the query itself holds an '@')."""
    starts = [found.start() for found in _QUERY_START.finditer(rest)]
    after_login = [start for start in starts if start > rest.rfind("@")]
    if not starts:
        return rest, "", ""
    chosen = (after_login or starts)[0]
    return rest[:chosen], "?", rest[chosen + 1 :]


def _masked_query(query: str) -> str:
    """`password=...` (and any parameter named like a secret) masked; the rest as written."""
    from urllib.parse import unquote_plus

    items = (item.partition("=") for item in query.split("&")) if query else ()
    return "&".join(f"{key}={MASK}" if is_secret_name(unquote_plus(key)) else f"{key}{eq}{value}" for key, eq, value in items)
