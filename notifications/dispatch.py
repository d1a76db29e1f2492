"""Send the outbox (invariant 3): claim due messages, deliver them over SMTP, record each outcome.

- Claiming: a short transaction picks queued rows whose `next_attempt_at` has come (on
  PostgreSQL `FOR UPDATE SKIP LOCKED`, so two dispatchers never take the same row; on SQLite
  the write lock serialises them) and pushes their `next_attempt_at` a lease (CLAIM_LEASE)
  ahead, so no other dispatcher takes them while they are being sent.
- Sending: at most `concurrency` SMTP connections, each reused for message after message.
- Recording: small transactions (a group commit of at most GROUP messages) set each message
  sent, or to be retried later (temporary failure: refused or lost connection, timeout, SMTP
  4xx; the wait doubles from 30 seconds up to an hour, with ±20 % jitter), or failed (SMTP 5xx,
  a malformed address, or MAX_ATTEMPTS temporary failures), and append `email_sent` /
  `email_retry` / `email_failed` to the case's audit trail in the same transaction.

Delivery is at least once. If the process stops after the SMTP server accepted a message
but before its row was marked sent, the lease runs out and the message is sent again,
with the SAME Message-ID (fixed when the row was written): it is a duplicate of one email,
never a second, different email, and mail systems that de-duplicate by Message-ID show it once.

A failure to connect or log in is temporary for the messages waiting on it, even when the
server answers 5xx (a wrong password is the school's setting to fix, not the message's fault).
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from aiosmtplib import SMTP, SMTPException, SMTPNotSupported, SMTPRecipientsRefused, SMTPResponseException

from store import Database

from .errors import NotificationError
from .mail import prepare, sender_address
from .outbox import CLAIM_LEASE, MAX_ATTEMPTS, Claimed, backoff, claim, record_all

# Requeuing a parked message is `outbox.retry`, the one door for it; it is not repeated here.
__all__ = ["CLAIM_LEASE", "MAX_ATTEMPTS", "DispatchResult", "SmtpSettings", "backoff", "dispatch_due", "dispatch_due_sync"]
_TEMPORARY = (SMTPException, OSError, TimeoutError)
GROUP = 50
"""Most outcomes recorded in one transaction."""
GATHER = 0.05
"""Seconds an outcome may wait for others to share its transaction."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. The defaults reach `redress mailbox` on this machine."""

    host: str = "127.0.0.1"
    port: int = 8025
    security: Literal["none", "starttls", "tls"] = "none"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    from_address: str = "Redress <redress@localhost>"
    timeout: float = 30.0


@dataclass(frozen=True)
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.failed


@dataclass(frozen=True)
class Outcome:
    kind: Literal["sent", "retry", "failed"]
    error: str | None = None


class _Recorder:
    """Writes outcomes while sending goes on, a group at a time: up to GROUP outcomes, or what
    arrived within GATHER seconds, share one transaction (a group commit)."""

    def __init__(self, db: Database, now: datetime):
        self.db, self.now = db, now
        self.waiting: list[tuple[Claimed, str, str | None]] = []
        self.writer: asyncio.Task[None] | None = None
        self.tally: Counter[str] = Counter()

    def add(self, item: Claimed, outcome: Outcome) -> None:
        self.waiting.append((item, outcome.kind, outcome.error))
        if self.writer is not None and self.writer.done():
            self.writer.result()  # a failed write stops the dispatch here, with its error
        if self.writer is None or self.writer.done():
            self.writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        while self.waiting:
            if len(self.waiting) < GROUP:
                await asyncio.sleep(GATHER)  # let a group gather: one commit for many messages
            group, self.waiting = self.waiting[:GROUP], self.waiting[GROUP:]
            self.tally.update(await asyncio.to_thread(record_all, self.db, group, self.now))

    async def drain(self) -> None:
        if self.writer is not None:
            await self.writer


class _Feed:
    """Hands out claimed messages one at a time; claims the next batch when the last runs out."""

    def __init__(self, db: Database, now: datetime, batch: int, recorder: _Recorder):
        self.db, self.now, self.batch, self.recorder = db, now, batch, recorder
        self.pending: deque[Claimed] = deque()
        self.exhausted = False
        self.lock = asyncio.Lock()

    async def next(self) -> Claimed | None:
        async with self.lock:
            if not self.pending and not self.exhausted:
                if len(self.recorder.waiting) >= self.batch:
                    await self.recorder.drain()  # never more than a batch sent but not yet recorded
                claimed = await asyncio.to_thread(claim, self.db, self.now, self.batch)
                self.pending.extend(claimed)
                self.exhausted = len(claimed) < self.batch
            return self.pending.popleft() if self.pending else None


async def dispatch_due(
    db: Database, smtp: SmtpSettings, now: datetime, *, batch: int = 100, concurrency: int = 4
) -> DispatchResult:
    """Send every message due at `now`, claiming `batch` at a time, over at most `concurrency` connections.

    A From address that is not one valid address raises AddressError before any message is claimed."""
    sender_address(smtp.from_address)
    recorder = _Recorder(db, now)
    feed = _Feed(db, now, max(1, batch), recorder)
    errors = await asyncio.gather(*(_connection(feed, smtp, now, recorder) for _ in range(max(1, concurrency))))
    # Every connection failed: what was claimed but not tried waits for the next round like the rest.
    stopped = next((error for error in errors if error), None)
    while stopped and feed.pending:
        recorder.add(feed.pending.popleft(), Outcome("retry", stopped))
    await recorder.drain()
    return DispatchResult(recorder.tally["sent"], recorder.tally["retry"], recorder.tally["failed"])


def dispatch_due_sync(
    db: Database, smtp: SmtpSettings, now: datetime, *, batch: int = 100, concurrency: int = 4
) -> DispatchResult:
    """`dispatch_due` for callers without an event loop (the worker, the command line)."""
    return asyncio.run(dispatch_due(db, smtp, now, batch=batch, concurrency=concurrency))


async def _connection(feed: _Feed, smtp: SmtpSettings, now: datetime, recorder: _Recorder) -> str | None:
    """One SMTP connection sending message after message; returns the error that stopped it, if any."""
    client: SMTP | None = None
    try:
        while (item := await feed.next()) is not None:
            if client is None or not client.is_connected:
                try:
                    client = await _connect(smtp)
                except _TEMPORARY as exc:
                    recorder.add(item, Outcome("retry", describe(exc)))
                    return describe(exc)
            recorder.add(item, await _deliver(client, item, smtp.from_address, now))
    finally:
        if client is not None:
            await _close(client)
    return None


async def _connect(smtp: SmtpSettings) -> SMTP:
    client = SMTP(
        hostname=smtp.host,
        port=smtp.port,
        timeout=smtp.timeout,
        use_tls=smtp.security == "tls",
        start_tls=smtp.security == "starttls",
        username=smtp.user,
        password=smtp.password,
    )
    await client.connect()
    return client


async def _close(client: SMTP) -> None:
    if not client.is_connected:
        return
    try:
        await client.quit()
    except _TEMPORARY:
        client.close()


async def _deliver(client: SMTP, item: Claimed, from_address: str, now: datetime) -> Outcome:
    try:
        outgoing = prepare(item, from_address, date=now)
    except NotificationError as exc:
        return Outcome("failed", str(exc))
    try:
        # The envelope is the checked address the To header names (punycode for an internationalised domain).
        await client.sendmail(outgoing.sender, [outgoing.recipient], outgoing.data)
    except SMTPRecipientsRefused as exc:
        permanent = all(refusal.code >= 500 for refusal in exc.recipients)
        return Outcome("failed" if permanent else "retry", describe(exc))
    except SMTPNotSupported as exc:  # e.g. the server cannot take this address: no retry will change that
        return Outcome("failed", describe(exc))
    except SMTPResponseException as exc:
        return Outcome("failed" if exc.code >= 500 else "retry", describe(exc))
    except _TEMPORARY as exc:
        return Outcome("retry", describe(exc))
    return Outcome("sent")


def describe(exc: BaseException) -> str:
    """An SMTP or network error in one line, as a person would report it."""
    if isinstance(exc, SMTPRecipientsRefused):
        return "; ".join(describe(refusal) for refusal in exc.recipients) or "all recipients refused"
    if isinstance(exc, SMTPResponseException):
        return f"SMTP {exc.code}: {' '.join(exc.message.split())}"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
