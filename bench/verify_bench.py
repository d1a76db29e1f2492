"""`redress verify` over 100,000 cases and 1,000,000 audit events (SQLite), run as the real command in
a fresh process so its peak memory (getrusage of the child) is the command's own.

Each case is opened, acknowledged, then reminded eight times: ten events, hashed and signed with the
integrity key exactly as Redress writes them, inserted with Core executemany. A smaller run (a tenth)
is measured first: the peak memory of the two should be about the same (verify streams).
BENCH_VERIFY_CASES sets the larger size.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from engine.commands.people import add_person
from engine.commands.setup import init
from engine.context import Redress, open_app
from engine.integrity_key import read_key
from engine.rules.clock import FixedClock
from engine.settings import Settings
from store import AuditEvent, Case, audit, integrity, table_of

ROOT = Path(__file__).resolve().parent.parent
CASES = int(os.environ.get("BENCH_VERIFY_CASES", "100000"))
EVENTS_PER_CASE = 10
BATCH = 2_000
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _app(folder: Path) -> Redress:
    settings = Settings(
        database_url=f"sqlite:///{folder / 'redress.db'}",
        data_dir=folder / "data",  # type: ignore[call-arg]
        workflow=ROOT / "workflows.yaml",
        sqlite_synchronous="normal",
    )
    app = open_app(settings, clock=FixedClock(NOW))
    init(app)
    add_person(app, "Helen Head", "head@bench.example", ["headteacher"])
    return app


def _case(case_id: int, workflow_id: int, key: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    opened = NOW - timedelta(days=400) + timedelta(minutes=case_id)
    summary = f"Post number {case_id} about a member of staff"
    events: list[dict[str, Any]] = []
    head = audit.Head(0, audit.GENESIS)

    def add(**values: Any) -> None:
        nonlocal head
        at = opened + timedelta(hours=len(events))
        event = audit.next_event(case_id, head, at=at, actor="head@bench.example", actor_id=1, **values)
        event["mac"] = integrity.mac(key, event["hash"])
        events.append(event)
        head = audit.Head(event["seq"], event["hash"])

    add(
        kind="opened",
        stage_after="reported",
        data={
            "categories": ["staff_offensive"],
            "summary": summary,
            "staff": [],
            "pupils": 0,
            "posters": 0,
            "platform": "Facebook",
            "link": None,
        },
    )
    add(
        kind="action",
        action="acknowledge",
        stage_before="reported",
        stage_after="gathering_evidence",
        data={
            "title": "Acknowledge",
            "fields": {"staff_reassured": "yes"},
            "note": None,
            "notified": [],
            "closed": False,
            "outcome": None,
        },
    )
    for _ in range(EVENTS_PER_CASE - 2):
        add(
            kind="reminder",
            stage_before="gathering_evidence",
            stage_after="gathering_evidence",
            data={"deadline": "evidence_reminder"},
        )
    case = {
        "id": case_id,
        "workflow_id": workflow_id,
        "stage": "gathering_evidence",
        "categories": ["staff_offensive"],
        "summary": summary,
        "platform": "Facebook",
        "link": None,
        "opened_by_id": 1,
        "opened_at": opened,
        "stage_entered_at": opened,
        "facts": {"staff_reassured": "yes"},
        "version": 2,
        "head_seq": head.seq,
        "head_hash": head.hash,
    }
    return case, events


def generate(app: Redress, cases: int) -> float:
    started = time.perf_counter()
    key = read_key(app.settings)
    assert key is not None
    workflow_id = app.current_workflow().id
    with app.db.engine.begin() as connection:
        for first in range(1, cases + 1, BATCH):
            rows = [_case(case_id, workflow_id, key) for case_id in range(first, min(first + BATCH, cases + 1))]
            connection.execute(insert(table_of(Case)), [case for case, _ in rows])
            connection.execute(insert(table_of(AuditEvent)), [event for _, events in rows for event in events])
    return time.perf_counter() - started


def measure(folder: Path) -> dict[str, Any]:
    """`redress verify` in a child process: its time and its own peak memory."""
    env = {
        **os.environ,
        "REDRESS_DATABASE_URL": f"sqlite:///{folder / 'redress.db'}",
        "REDRESS_DATA_DIR": str(folder / "data"),
        "REDRESS_WORKFLOW": str(ROOT / "workflows.yaml"),
    }
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, cwd=folder)
    seconds = time.perf_counter() - started
    peak = next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK "))
    return {
        "exit": done.returncode,
        "seconds": round(seconds, 1),
        "peak_mb": round(peak / 1024, 1),
        "output": done.stdout.strip().splitlines()[-2:],
    }


# The real command, in-process in the child, which then reports its own peak resident memory (getrusage).
_CHILD = """
import resource, runpy, sys
sys.argv = ["redress", "verify"]
try:
    runpy.run_module("redress", run_name="__main__")
finally:
    print("PEAK", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    for cases in (CASES // 10, CASES):
        with tempfile.TemporaryDirectory(prefix="redress-verify-bench-") as tmp:
            folder = Path(tmp)
            app = _app(folder)
            generated = generate(app, cases)
            app.close()
            figures = measure(folder)
            figures.update(cases=cases, events=cases * EVENTS_PER_CASE, generated_seconds=round(generated, 1))
            print(
                f"   {cases:,} cases, {cases * EVENTS_PER_CASE:,} events: verify {figures['seconds']} s, "
                f"peak {figures['peak_mb']} MB (exit {figures['exit']}; generated in {figures['generated_seconds']} s)"
            )
            results[f"{cases}_cases"] = figures
    return results


if __name__ == "__main__":
    run()
