"""The worker on a SQLite file: how long 10,000 deadlines due at once take to fire; how late a single
deadline fires with `redress worker` running; and whether the worker's memory grows with the
number of pending deadlines (1,000 against 100,000, none due yet).

Cases and timers are written in bulk (straight into the tables) so the set-up takes seconds;
firing them goes through the engine like any deadline.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from engine.commands import cases
from engine.commands.people import add_person
from engine.commands.setup import init
from engine.context import Redress, open_app
from engine.rules.clock import FixedClock, SystemClock
from engine.settings import Settings
from engine.worker.firing import fire_due
from store import Case, Person, Timer
from tests.support.pgserver import find_bin_dir, start_server

ROOT = Path(__file__).resolve().parent.parent
HEAD = "head@bench.example"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday in term
DUE_AT_ONCE = 10_000
LATENCY_SAMPLES = 5
FEW, MANY = 1_000, 100_000
TIMERS_PER_CASE = 100  # for the memory test: pending timers spread over fewer cases


def _settings(folder: Path, url: str | None = None, **values: Any) -> Settings:
    return Settings(
        database_url=url or f"sqlite:///{folder / 'redress.db'}",
        data_dir=folder / "data",  # type: ignore[call-arg]
        workflow=ROOT / "workflows.yaml",
        mailbox_port=9,
        digest_enabled=False,
        policy_review_enabled=False,
        **values,
    )


def _seed(folder: Path, url: str | None = None) -> Redress:
    app = open_app(_settings(folder, url), clock=FixedClock(NOW - timedelta(days=30)))
    init(app)
    add_person(app, "Helen Head", HEAD, ["headteacher"])
    add_person(app, "Charles Chair", "chair@bench.example", ["chair"])
    return app


def _bulk_cases(app: Redress, n: int, opened: datetime) -> list[int]:
    workflow = app.current_workflow()
    with app.db.unit_of_work() as session:
        head = session.scalars(select(Person.id).where(Person.email == HEAD)).one()
        first = (session.scalar(select(func.max(Case.id))) or 0) + 1
        rows = [
            {
                "id": first + i,
                "workflow_id": workflow.id,
                "stage": "reported",
                "categories": ["staff_offensive"],
                "summary": f"Bench case {first + i}",
                "opened_by_id": head,
                "opened_at": opened,
                "stage_entered_at": opened,
                "facts": {},
                "version": 1,
            }
            for i in range(n)
        ]
        session.execute(insert(Case), rows)
    return [row["id"] for row in rows]


def _bulk_timers(app: Redress, case_ids: list[int], per_case: list[tuple[str, str]], due: datetime, spread: timedelta) -> None:
    rows = [
        {
            "case_id": case_id,
            "stage": "reported",
            "deadline": name,
            "kind": kind,
            "due_at": due + spread * (i % 1000),
            "status": "pending",
            "repeat": 0,
            "created_at": due - timedelta(days=30),
        }
        for i, case_id in enumerate(case_ids)
        for name, kind in per_case
    ]
    with app.db.unit_of_work() as session:
        for start in range(0, len(rows), 20_000):
            session.execute(insert(Timer), rows[start : start + 20_000])


REMINDERS = [("acknowledge_reminder", "reminder")]
MIXED = [("acknowledge_reminder", "reminder"), ("unacknowledged_escalation", "escalation")]


def many_due_at_once(folder: Path, deadlines: list[tuple[str, str]], read_ahead: bool | None = None) -> dict[str, float]:
    """(a) 10,000 timers due at once: reminders on 10,000 cases, or a reminder and an escalation
    on each of 5,000 cases (a school's worker stopped for a week). `read_ahead=False`: the worker reads every
    batch itself, with no reader process (the baseline the reader is measured against, in the same run)."""
    app = _seed(folder)
    case_ids = _bulk_cases(app, DUE_AT_ONCE // len(deadlines), NOW - timedelta(days=30))
    _bulk_timers(app, case_ids, deadlines, NOW - timedelta(hours=1), timedelta(0))
    app.clock = FixedClock(NOW)
    app.current_workflow()  # parsed once, as by a worker already running
    started, cpu = time.perf_counter(), _cpu_seconds()
    result = fire_due(app, read_ahead=read_ahead)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    app.close()
    assert result.fired == DUE_AT_ONCE, result
    return {
        "timers": DUE_AT_ONCE,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "per_second": round(DUE_AT_ONCE / seconds),
    }


def postgres_due_at_once(folder: Path, url: str, workers: int) -> dict[str, float]:
    """(a) again on PostgreSQL: the 10,000 (half escalations) fired by `workers` worker processes at once,
    each claiming its batches with FOR UPDATE SKIP LOCKED. Timed from the first worker's start of firing
    to the last one's end (not the processes' start-up); CPU summed over the workers."""
    app = _seed(folder, url)
    case_ids = _bulk_cases(app, DUE_AT_ONCE // len(MIXED), NOW - timedelta(days=30))
    _bulk_timers(app, case_ids, MIXED, NOW - timedelta(hours=1), timedelta(0))
    app.close()
    command = [sys.executable, "-m", "bench.worker_bench", "fire", url, str(folder)]
    children = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(workers)]
    reports = [json.loads(child.communicate()[0].strip().splitlines()[-1]) for child in children]
    fired = sum(r["fired"] for r in reports)
    assert fired == DUE_AT_ONCE, reports
    seconds = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    return {
        "workers": workers,
        "timers": DUE_AT_ONCE,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(sum(r["cpu"] for r in reports), 2),
        "per_second": round(DUE_AT_ONCE / seconds),
    }


def _fire_child(url: str, folder: str) -> None:
    """One worker process of postgres_due_at_once: fire everything due, then print what it did as JSON."""
    app = open_app(_settings(Path(folder), url), clock=FixedClock(NOW))
    app.current_workflow()  # parsed once, as by a worker already running
    cpu, start = _cpu_seconds(), time.time()
    result = fire_due(app)
    end, cpu = time.time(), _cpu_seconds() - cpu
    app.close()
    print(json.dumps({"fired": result.fired, "start": start, "end": end, "cpu": cpu}))


def _cpu_seconds() -> float:
    """This process's CPU time and its finished children's (the worker's reader process, when it reads ahead:
    engine/worker/readahead.py): on a machine busy with other work, closer to what an idle one would take."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


@contextmanager
def _worker(folder: Path, sweep: int = 30) -> Iterator[subprocess.Popen[str]]:
    """`redress worker` running against the bench database, until the block ends (SIGTERM)."""
    env = {
        "REDRESS_DATABASE_URL": f"sqlite:///{folder / 'redress.db'}",
        "REDRESS_WORKFLOW": str(ROOT / "workflows.yaml"),
        "REDRESS_DATA_DIR": str(folder / "data"),
        "REDRESS_MAILBOX_PORT": "9",
        "REDRESS_DIGEST_ENABLED": "false",
        "REDRESS_POLICY_REVIEW_ENABLED": "false",
        "REDRESS_WORKER_SWEEP_SECONDS": str(sweep),
        "PATH": "/usr/bin:/bin",
    }
    log = folder / "worker.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "redress", "worker"], cwd=folder, env=env, stdout=sink, stderr=sink, text=True
        )
    try:
        give_up = time.monotonic() + 60
        while "running" not in log.read_text():
            if process.poll() is not None or time.monotonic() > give_up:
                raise RuntimeError(f"the worker did not start: {log.read_text()}")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


def firing_delay(folder: Path) -> dict[str, float]:
    """(b) With the worker running, a deadline written to fall due one second later: how late does it fire?"""
    app = _seed(folder)
    app.clock = SystemClock()
    delays, polls = [], []
    with _worker(folder):
        for _ in range(LATENCY_SAMPLES):
            case_id = cases.open_case(app, HEAD, cases.OpenCase(categories=["staff_offensive"], summary="Latency"))
            due = datetime.now(UTC) + timedelta(seconds=1)
            with app.db.unit_of_work() as session:
                # The escalation: a reminder would wait for school hours when this runs at night or at a weekend.
                session.execute(update(Timer).where(Timer.case_id == case_id, Timer.kind == "escalation").values(due_at=due))
            fired_at = _wait_fired(app, case_id)
            delays.append((fired_at - due).total_seconds())
            polls.append((datetime.now(UTC) - due).total_seconds())
    app.close()
    return {
        "samples": LATENCY_SAMPLES,
        "median_delay_s": round(statistics.median(delays), 3),
        "max_delay_s": round(max(delays), 3),
        "max_seen_by_poller_s": round(max(polls), 3),
    }


def _wait_fired(app: Redress, case_id: int) -> datetime:
    give_up = time.monotonic() + 30
    while time.monotonic() < give_up:
        with app.db.reading() as session:
            fired = session.scalar(
                select(Timer.fired_at).where(Timer.case_id == case_id, Timer.kind == "escalation", Timer.status == "fired")
            )
        if fired is not None:
            return fired
        time.sleep(0.01)
    raise RuntimeError(f"the deadline of case {case_id} did not fire within 30 s")


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def worker_memory(folder: Path, pending: int) -> int:
    """(c) The worker's resident memory (KiB, the highest of several samples over its first sweeps)
    with `pending` timers that are not due for months."""
    app = _seed(folder)
    case_ids = _bulk_cases(app, pending // TIMERS_PER_CASE, NOW)
    per_case = [(f"acknowledge_reminder_{i}", "reminder") for i in range(TIMERS_PER_CASE)]
    _bulk_timers(app, case_ids, per_case, datetime.now(UTC) + timedelta(days=60), timedelta(minutes=5))
    app.close()
    samples = []
    with _worker(folder, sweep=1) as process:
        for _ in range(20):
            time.sleep(0.25)
            samples.append(_rss_kib(process.pid))
    return max(samples)


def _postgres(tmp: Path) -> dict[str, Any]:
    if find_bin_dir() is None:
        print("   (a) on PostgreSQL: skipped (PostgreSQL binaries not installed)")
        return {"skipped": "PostgreSQL binaries not installed"}
    server = start_server()
    figures: dict[str, Any] = {}
    try:
        for workers in (1, 2):
            (tmp / f"pg{workers}").mkdir()
            url = server.create_database(f"worker_bench_{workers}")
            figures[f"workers_{workers}"] = run = postgres_due_at_once(tmp / f"pg{workers}", url, workers)
            print(
                f"   (a) on PostgreSQL, {workers} worker(s): {run['timers']} timers (half escalations) fired in "
                f"{run['seconds']} s ({run['cpu_seconds']} s of CPU in the workers and their readers; {run['per_second']}/s; target <= 5 s with two)"
            )
    finally:
        server.stop()
    one, two = figures["workers_1"]["seconds"], figures["workers_2"]["seconds"]
    figures["speedup_two_workers"] = round(one / two, 2)
    print(f"   (a) on PostgreSQL, two workers against one: x{one / two:.2f}")
    return figures


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="redress-bench-") as tmp:
        for label, deadlines in (("reminders", REMINDERS), ("mixed", MIXED)):
            (Path(tmp) / label).mkdir()
            results[f"due_at_once_{label}"] = at_once = many_due_at_once(Path(tmp) / label, deadlines)
            what = "reminders" if label == "reminders" else "timers (half reminders, half escalations)"
            print(
                f"   (a) {at_once['timers']} {what} due at once fired in {at_once['seconds']} s "
                f"({at_once['cpu_seconds']} s of CPU in the worker and its reader; {at_once['per_second']}/s; target <= 10 s)"
            )
        (Path(tmp) / "alone").mkdir()
        results["due_at_once_mixed_alone"] = alone = many_due_at_once(Path(tmp) / "alone", MIXED, read_ahead=False)
        print(
            f"   (a) the same mixed timers with the worker reading every batch itself (no reader process): "
            f"{alone['seconds']} s ({alone['cpu_seconds']} s of CPU); reading ahead x{alone['seconds'] / results['due_at_once_mixed']['seconds']:.2f}"
        )
        results["postgres"] = _postgres(Path(tmp))
        (Path(tmp) / "b").mkdir()
        results["delay"] = delay = firing_delay(Path(tmp) / "b")
        print(
            f"   (b) a deadline fired {delay['median_delay_s']} s after its due time (median of {delay['samples']}; "
            f"worst {delay['max_delay_s']} s; target < 1 s)"
        )
        memory = {}
        for pending in (FEW, MANY):
            (Path(tmp) / f"c{pending}").mkdir()
            memory[pending] = worker_memory(Path(tmp) / f"c{pending}", pending)
        results["memory_kib"] = memory
        growth = memory[MANY] / memory[FEW]
        results["memory_growth"] = round(growth, 3)
        print(
            f"   (c) worker RSS: {memory[FEW] / 1024:.1f} MiB with {FEW} pending timers, "
            f"{memory[MANY] / 1024:.1f} MiB with {MANY} (x{growth:.2f}; it must not grow with them)"
        )
    return results


if __name__ == "__main__" and sys.argv[1:2] == ["fire"]:
    _fire_child(sys.argv[2], sys.argv[3])
