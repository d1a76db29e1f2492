"""What every response carries and every request is held to: security headers, a body size limit,
and the secret that signs the session cookies."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine import MAX_EVIDENCE_BYTES, Settings

MAX_BODY = MAX_EVIDENCE_BYTES + 1024 * 1024
"""The largest request accepted: an evidence file at its limit, plus the form around it."""
_UPLOADS = re.compile(r"^(/api)?/cases/[^/]+/evidence/?$")
"""Where a body that large is an evidence file: its refusal says what the limit is for."""
TOO_LARGE_FILE = f"the file is over {MAX_EVIDENCE_BYTES // 1024 // 1024} MB: evidence files may be up to {MAX_EVIDENCE_BYTES // 1024 // 1024} MB"

HEADERS: list[tuple[bytes, bytes]] = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """Adds the security headers to every response; pages and data are never cached, static files may be."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in HEADERS if h[0] not in present]
                if not static and NO_STORE[0] not in present:
                    extra.append(NO_STORE)
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses a request body over MAX_BODY (413), and a body without a declared length (411), before reading it.

    A body within it is read as it arrives: an evidence file is streamed (by Starlette's parser, spooled
    to disk past 1 MB, then by the engine in chunks into the store's temporary folder, counted and hashed
    as it goes: engine.commands.evidence_store), so no upload is ever held whole in memory."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            headers = dict(scope.get("headers", []))
            length = headers.get(b"content-length")
            status = 411 if length is None and b"transfer-encoding" in headers else None
            if length is not None:
                status = 413 if not length.isdigit() or int(length) > self.limit else None
            if status is not None:
                upload = _UPLOADS.match(str(scope.get("path", ""))) is not None
                too_large = TOO_LARGE_FILE if upload else "the request is too large"
                await _plain(send, status, too_large if status == 413 else "give a Content-Length")
                return
        await self.app(scope, receive, send)


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def secret_key(settings: Settings) -> str:
    """The key that signs session cookies: REDRESS_SECRET_KEY, or one made once and kept in the data folder."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the data folder is private (init makes it so)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
