"""A local mail catcher: an SMTP server on loopback that keeps every message it receives in a Maildir.

For development and tests: point Redress's SMTP settings at it, then read what was sent
with `redress mailbox --list` and `--show N` (or any Maildir-aware mail client).
"""

from __future__ import annotations

import asyncio
import mailbox
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from .errors import NotificationError

SERVER_NAME = "redress-mailbox"
_KEY = re.compile(r"^(\d+)\.M(\d+)P\d+Q(\d+)")


class MaildirHandler:
    """An aiosmtpd handler that accepts every message and stores it, as received, in a Maildir."""

    def __init__(self, folder: Path):
        # mailbox.Maildir only makes its sub-folders when it makes the folder itself.
        for part in ("tmp", "new", "cur"):
            Path(folder, part).mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(folder, create=False)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        recipients = ", ".join(envelope.rcpt_tos)
        # The envelope as headers, as a delivery agent would: who it was really sent to.
        trace = f"X-Envelope-From: <{envelope.mail_from}>\nX-Envelope-To: {recipients}\n".encode()
        self.maildir.add(trace + raw.replace(b"\r\n", b"\n"))
        return "250 2.0.0 Message stored"


async def _start(handler: object, host: str, port: int) -> asyncio.Server:
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: SMTP(handler, hostname=SERVER_NAME, enable_SMTPUTF8=True, loop=loop), host, port)


async def _stop(server: asyncio.Server) -> None:
    """Stop listening, then end the open sessions so that no socket is left for the garbage collector."""
    server.close()
    sessions = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in sessions:
        task.cancel()
    await asyncio.gather(*sessions, return_exceptions=True)
    await server.wait_closed()
    await asyncio.sleep(0)  # let the closed transports call connection_lost


@contextmanager
def running_smtp(handler: object, host: str = "127.0.0.1", port: int = 0) -> Iterator[int]:
    """Run an aiosmtpd server with `handler` in a background thread; yields the port it listens on."""
    loop = asyncio.new_event_loop()
    try:
        server = loop.run_until_complete(_start(handler, host, port))
    except BaseException:
        loop.close()
        raise
    thread = threading.Thread(target=loop.run_forever, name=SERVER_NAME, daemon=True)
    thread.start()
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        asyncio.run_coroutine_threadsafe(_stop(server), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@contextmanager
def running_mailbox(folder: Path, port: int = 0, host: str = "127.0.0.1") -> Iterator[int]:
    """A mailbox saving to `folder`, in a background thread on a free port (for tests); yields the port."""
    with running_smtp(MaildirHandler(Path(folder)), host, port) as bound:
        yield bound


def run_mailbox(
    folder: Path, host: str = "127.0.0.1", port: int = 8025, *, on_ready: Callable[[int], None] | None = None
) -> None:
    """Run the mailbox in the foreground until SIGINT or SIGTERM. `on_ready` gets the port once listening."""
    asyncio.run(_serve(MaildirHandler(Path(folder)), host, port, on_ready))


async def _serve(handler: object, host: str, port: int, on_ready: Callable[[int], None] | None) -> None:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stopping.set)
    try:
        server = await _start(handler, host, port)
        if on_ready is not None:
            on_ready(server.sockets[0].getsockname()[1])
        await stopping.wait()
        await _stop(server)
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


@dataclass(frozen=True)
class StoredMessage:
    """One message in the mailbox, numbered from 1 in the order it arrived."""

    number: int
    key: str
    date: str
    sender: str
    to: str
    subject: str
    message_id: str


def _ordered_keys(maildir: mailbox.Maildir) -> list[str]:
    def arrival(key: str) -> tuple[int, int, int, str]:
        match = _KEY.match(key)
        return (int(match[1]), int(match[2]), int(match[3]), key) if match else (0, 0, 0, key)

    return sorted(maildir.keys(), key=arrival)


def _parse(maildir: mailbox.Maildir, key: str) -> EmailMessage:
    parsed = BytesParser(policy=default_policy).parsebytes(maildir.get_bytes(key))
    assert isinstance(parsed, EmailMessage)  # the default policy always builds EmailMessage
    return parsed


def _open(folder: Path) -> mailbox.Maildir:
    if not Path(folder, "cur").is_dir():
        raise NotificationError(f"{folder} is not a mailbox: start one with 'redress mailbox --dir {folder}'")
    return mailbox.Maildir(folder, create=False)


def list_messages(folder: Path) -> list[StoredMessage]:
    """Every message in the mailbox, oldest first."""
    maildir = _open(folder)
    listed = []
    for number, key in enumerate(_ordered_keys(maildir), start=1):
        message = _parse(maildir, key)
        fields = (str(message.get(name, "")) for name in ("Date", "From", "To", "Subject", "Message-ID"))
        listed.append(StoredMessage(number, key, *fields))
    return listed


def read_message(folder: Path, number: int) -> EmailMessage:
    """Message `number` (from 1, as `list_messages` numbers them), parsed."""
    maildir = _open(folder)
    keys = _ordered_keys(maildir)
    if not 1 <= number <= len(keys):
        raise NotificationError(f"no message {number}: the mailbox in {folder} holds {len(keys)}")
    return _parse(maildir, keys[number - 1])


def show_message(folder: Path, number: int) -> str:
    """Message `number` as a person reads it: the main headers, then the plain-text body (or the HTML)."""
    message = read_message(folder, number)
    names = ("Date", "From", "To", "Subject", "Message-ID", "X-Envelope-To")
    headers = [f"{name}: {message[name]}" for name in names if message[name] is not None]
    body = message.get_body(preferencelist=("plain", "html"))
    content: Any = body.get_content() if body is not None else ""
    return "\n".join(headers) + "\n\n" + str(content)
