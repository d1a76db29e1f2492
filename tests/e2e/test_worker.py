"""End to end: `redress worker` as a subprocess: a case left alone is chased, then escalated; a worker
killed mid-batch, or two at once, still fire every deadline exactly once; the long-running worker
notices a deadline written by another process."""

from __future__ import annotations

import json
import re
import selectors
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import func, select, update

from engine.commands import cases
from engine.context import Redress as App
from engine.rules.clock import SystemClock
from notifications.mailbox import list_messages, running_mailbox
from store import AuditEvent, Timer
from tests.conftest import HEAD, make_app
from tests.e2e.cli import Redress
from tests.e2e.schools import Template, the_school

pytestmark = pytest.mark.slow

LATER = "2026-12-23T10:00"  # a Wednesday a month after MONDAY: every deadline of a new case has passed
QUIET = {"REDRESS_DIGEST_ENABLED": "false", "REDRESS_POLICY_REVIEW_ENABLED": "false"}


def closed_port() -> int:
    """A loopback port nothing listens on: the outbox is retried later, which these tests do not look at."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll `condition`; the timeout only guards against a hang."""
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        if condition():
            return True
        time.sleep(0.05)
    return False


def read_line(stream: IO[str], timeout: float = 120.0) -> str:
    """The next line a subprocess writes (flushed whole), or "" if it writes none in `timeout` seconds."""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        return stream.readline() if selector.select(timeout) else ""


@pytest.fixture
def school(tmp_path: Path, template: Callable[..., Template]) -> Iterator[App]:
    """A SQLite file with the workflow and the people (the engine's clock at MONDAY, a month before LATER)."""
    copy = template(the_school).copy(tmp_path)
    app = make_app(copy.database_url, tmp_path)
    yield app
    app.close()


def open_cases(app: App, n: int) -> list[int]:
    details = cases.OpenCase(categories=["staff_offensive"], summary="A parent called Mr Smith useless online")
    return [cases.open_case(app, HEAD, details) for _ in range(n)]


def fired_per_case(app: App) -> dict[int, tuple[int, int]]:
    """Per case: (reminder events, actions by the system)."""
    with app.db.reading() as session:
        rows = session.execute(
            select(AuditEvent.case_id, AuditEvent.kind, func.count())
            .where(AuditEvent.actor == "system", AuditEvent.kind.in_(("reminder", "action")))
            .group_by(AuditEvent.case_id, AuditEvent.kind)
        ).all()
    counts: dict[int, dict[str, int]] = {}
    for case_id, kind, n in rows:
        counts.setdefault(case_id, {})[kind] = n
    return {case_id: (c.get("reminder", 0), c.get("action", 0)) for case_id, c in counts.items()}


def due_left(app: App, at: datetime) -> int:
    with app.db.reading() as session:
        return int(
            session.scalar(select(func.count()).select_from(Timer).where(Timer.status == "pending", Timer.due_at <= at)) or 0
        )


def test_a_case_left_alone_is_reminded_then_escalated_to_the_chair_by_the_worker(
    tmp_path: Path,
    backend: str,
    template: Callable[..., Template],
):
    with running_mailbox(tmp_path / "mail") as port:
        redress = template(the_school, backend).copy(tmp_path, REDRESS_MAILBOX_PORT=str(port), **QUIET)
        case = redress(
            "case",
            "open",
            "--category",
            "staff_offensive",
            "--summary",
            "A parent called Mr Smith useless",
            "--staff",
            "sam@school.example",
            "--as",
            "coordinator@school.example",
        ).out.strip()
        due = {
            d["name"]: datetime.fromisoformat(d["due_at"])
            for d in json.loads(redress("case", "show", case, "--json", "--as", "head@school.example").out)["deadlines"]
        }

        def worker_at(moment: datetime) -> str:
            return redress("worker", "--once", "--now", (moment + timedelta(minutes=1)).isoformat()).out

        assert "fired 0 deadline(s)" in worker_at(due["acknowledge_reminder"] - timedelta(hours=1))
        assert "fired 1 deadline(s): 1 reminder(s)" in worker_at(due["acknowledge_reminder"])
        trail = json.loads(redress("case", "audit", case, "--json", "--as", "head@school.example").out)["events"]
        assert [(e["kind"], e["actor"], e["data"].get("deadline")) for e in trail if not e["kind"].startswith("email")] == [
            ("opened", "coordinator@school.example", None),
            ("reminder", "system", "acknowledge_reminder"),
        ]

        out = worker_at(due["unacknowledged_escalation"])
        assert "1 escalation(s)" in out
        audit = json.loads(redress("case", "audit", case, "--json", "--verify", "--as", "head@school.example").out)
        escalation = [e for e in audit["events"] if e["kind"] == "action"][-1]
        assert (escalation["action"], escalation["actor"], escalation["stage_after"]) == (
            "escalate_to_chair",
            "system",
            "chair_meeting",
        )
        assert escalation["data"]["deadline"] == "unacknowledged_escalation"
        assert audit["verification"]["ok"]
        caught = [(m.to, m.subject) for m in list_messages(tmp_path / "mail")]
    assert any("chair@school.example" in to and "brought to you as chair" in subject for to, subject in caught)
    assert any("head@school.example" in to and f"case {case} has waited" in subject for to, subject in caught)


def test_a_worker_killed_mid_batch_fires_every_due_timer_exactly_once_after_restart(school: App, tmp_path: Path):
    case_ids = open_cases(school, 150)  # 300 timers: a reminder and an escalation each
    redress = Redress(tmp_path, school.db.url, REDRESS_MAILBOX_PORT=str(closed_port()), **QUIET)
    worker = redress.popen("worker", "--once", "--now", LATER, "--batch", "10", "--progress")
    try:
        assert worker.stdout is not None
        first = read_line(worker.stdout)  # the worker says so once its first batch has committed: kill it then
    finally:
        worker.kill()
        out, err = worker.communicate(timeout=60)
    assert first.startswith("redress worker: committed fired 10 deadline(s)"), first + out + err
    assert worker.returncode == -signal.SIGKILL, "the worker finished before it could be killed"
    later = datetime.fromisoformat(LATER + "+00:00")
    reported = sum(int(n) for n in re.findall(r"^redress worker: committed fired (\d+) deadline", first + out, re.M))
    assert 0 < reported <= 300 - due_left(school, later) < 300  # what it said was committed is; the rest rolled back

    done = redress("worker", "--once", "--now", LATER)
    assert re.search(r"fired \d+ deadline", done.out)
    assert due_left(school, later) == 0
    assert fired_per_case(school) == {case_id: (1, 1) for case_id in case_ids}


@pytest.mark.postgres
def test_two_workers_on_one_postgresql_database_fire_each_timer_exactly_once(tmp_path: Path, template: Callable[..., Template]):
    redress = template(the_school, "postgres").copy(tmp_path, REDRESS_MAILBOX_PORT=str(closed_port()), **QUIET)
    app = make_app(redress.database_url, tmp_path)
    try:
        case_ids = open_cases(app, 200)  # 400 due timers
        workers = [redress.popen("worker", "--once", "--now", LATER, "--batch", "20") for _ in range(2)]
        outputs = [w.communicate(timeout=300) for w in workers]
        assert [w.returncode for w in workers] == [0, 0], outputs
        fired = [int(re.search(r"fired (\d+) deadline", out)[1]) for out, _ in outputs]  # type: ignore[index]
        assert sum(fired) == 400
        assert fired_per_case(app) == {case_id: (1, 1) for case_id in case_ids}
    finally:
        app.close()


def test_the_running_worker_fires_a_deadline_written_by_another_process_then_stops_on_sigterm(school: App, tmp_path: Path):
    school.clock = SystemClock()
    env = {"REDRESS_MAILBOX_PORT": str(closed_port()), "REDRESS_WORKER_SWEEP_SECONDS": "3600", **QUIET}
    redress = Redress(tmp_path, school.db.url, **env)
    log = tmp_path / "worker.log"
    with log.open("w") as sink:
        worker = subprocess.Popen(redress.command("worker"), cwd=tmp_path, env=redress.env, stdout=sink, stderr=sink, text=True)
    try:
        assert wait_for(lambda: "running" in log.read_text())
        [case_id] = open_cases(school, 1)
        # From this process: due two seconds from now. The escalation, as a reminder would wait for school
        # hours if this ran at night or at a weekend.
        with school.db.unit_of_work() as session:
            session.execute(
                update(Timer)
                .where(Timer.case_id == case_id, Timer.kind == "escalation")
                .values(due_at=datetime.now(UTC) + timedelta(seconds=2))
            )
        assert wait_for(lambda: fired_per_case(school).get(case_id) == (0, 1)), log.read_text()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    assert worker.returncode == 0, log.read_text()
