"""Emails per second: 1,000 outbox rows in a SQLite file, delivered to a local mailbox on loopback.

Each message is claimed, sent over one of a few reused SMTP connections, marked sent and
audited on its case, in small transactions, as in production. The mailbox (`running_mailbox`)
runs in a process of its own, as a real mail server would: in the same process it would
compete with the dispatcher for the interpreter lock. Target: 200 a second.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from notifications.dispatch import SmtpSettings, dispatch_due_sync
from notifications.mail import make_message_id
from notifications.mailbox import list_messages, running_mailbox
from notifications.render import TemplateRenderer, sample_context
from store import Case, Database, OutboxMessage, Person, WorkflowVersion
from store.migrate import upgrade

MESSAGES = 1_000
CASES = 50
TARGET = 200.0
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _seed(db: Database) -> None:
    """CASES cases and MESSAGES rendered emails about them, queued and due."""
    rendered = TemplateRenderer().render("deadline_reminder", sample_context())
    with db.unit_of_work() as session:
        head = Person(name="Helen Head", email="head@bench.example", roles=["headteacher"], created_at=NOW)
        version = WorkflowVersion(content_hash="b" * 64, name="bench", source="", loaded_at=NOW, current=True)
        session.add_all([head, version])
        session.flush()
        cases = [
            Case(
                workflow_id=version.id,
                stage="reported",
                categories=["staff_offensive"],
                summary="Posts",
                opened_by_id=head.id,
                opened_at=NOW,
                stage_entered_at=NOW,
            )
            for _ in range(CASES)
        ]
        session.add_all(cases)
        session.flush()
        session.add_all(
            OutboxMessage(
                case_id=cases[n % CASES].id,
                template="deadline_reminder",
                recipient_email=f"staff{n}@bench.example",
                recipient_name=f"Staff Member {n}",
                subject=rendered.subject,
                body_text=rendered.text,
                body_html=rendered.html,
                message_id=make_message_id("bench.example"),
                next_attempt_at=NOW,
                created_at=NOW,
            )
            for n in range(MESSAGES)
        )


def _serve(folder: str, ports: Connection) -> None:
    """In the child process: run the mailbox until the parent says stop."""
    with running_mailbox(Path(folder)) as port:
        ports.send(port)
        ports.recv()


@contextmanager
def _mailbox_process(folder: Path) -> Iterator[int]:
    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    child = context.Process(target=_serve, args=(str(folder), there), name="email-bench-mailbox")
    child.start()
    try:
        while not here.poll(0.1):
            if not child.is_alive():
                raise RuntimeError(f"the mailbox process stopped before it listened (exit code {child.exitcode})")
        yield int(here.recv())
    finally:
        if child.is_alive():
            here.send("stop")
        child.join(10)
        here.close()
        there.close()


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="redress-email-bench-") as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            upgrade(db.engine)
            _seed(db)
            with _mailbox_process(Path(folder) / "mail") as port:
                started, cpu_started = time.perf_counter(), time.process_time()
                result = dispatch_due_sync(db, SmtpSettings(port=port, from_address="Redress <redress@bench.example>"), NOW)
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            delivered = len(list_messages(Path(folder) / "mail"))
        finally:
            db.dispose()
    rate = result.sent / seconds
    # CPU time says what the dispatcher costs even when other work shares the machine.
    print(
        f"   {result.sent} emails sent ({delivered} received, {result.retried} retried, {result.failed} failed)"
        f" in {seconds:.2f} s: {rate:.0f} a second (target {TARGET:.0f});"
        f" {cpu:.2f} s of CPU, {result.sent / cpu:.0f} a CPU-second"
    )
    return {
        "messages": MESSAGES,
        "sent": result.sent,
        "received": delivered,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "per_second": round(rate, 1),
        "per_cpu_second": round(result.sent / cpu, 1),
        "target_per_second": TARGET,
        "meets_target": rate >= TARGET,
    }


if __name__ == "__main__":
    run()
