"""The monitoring report over 100,000 cases and about a million audit events, on SQLite and PostgreSQL.

The history comes from the tests' generator (three years, every category, stage and outcome) and is
written with the drivers' fastest bulk paths: executemany on SQLite, COPY on PostgreSQL. Then
`build_report` runs over the whole history and over its last year, a few times each; the best time
is the figure (target: under one second each).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from engine.commands.people import add_person
from engine.commands.setup import init
from engine.context import Redress, open_app
from engine.report.monitoring import build_report
from engine.rules.clock import FixedClock
from engine.settings import Settings
from tests.support.history import GeneratedCase, HistoryGenerator, case_row
from tests.support.pgserver import find_bin_dir, start_server

ROOT = Path(__file__).resolve().parent.parent
CASES = 100_000
BATCH = 5_000
RUNS = 3
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CASE_COLUMNS = [
    "id",
    "workflow_id",
    "stage",
    "categories",
    "summary",
    "platform",
    "link",
    "seen_at",
    "opened_by_id",
    "opened_at",
    "stage_entered_at",
    "closed_at",
    "outcome",
    "facts",
    "version",
]
EVENT_COLUMNS = [
    "case_id",
    "seq",
    "at",
    "actor_id",
    "actor",
    "kind",
    "action",
    "stage_before",
    "stage_after",
    "data",
    "prev_hash",
    "hash",
]
TIMER_COLUMNS = ["case_id", "stage", "deadline", "kind", "due_at", "status", "repeat", "created_at", "fired_at"]
JSON_COLUMNS = {"categories", "facts", "data"}


def _app(url: str, folder: Path) -> Redress:
    settings = Settings(database_url=url, data_dir=folder / "data", workflow=ROOT / "workflows.yaml")  # type: ignore[call-arg]
    app = open_app(settings, clock=FixedClock(NOW))
    init(app)
    add_person(app, "Helen Head", "head@bench.example", ["headteacher"])
    return app


def _history(app: Redress) -> Iterator[GeneratedCase]:
    compiled = app.current_workflow()
    generator = HistoryGenerator(
        compiled.spec,
        NOW - timedelta(days=3 * 365),
        NOW,
        compiled.id,
        (1, "head@bench.example"),
        seed=2026,
        wait_scale=0.25,
        busy=0.12,
    )
    return generator.cases(CASES)


def _value(name: str, value: Any, sqlite: bool) -> Any:
    if name in JSON_COLUMNS:
        return json.dumps(value)
    if sqlite and isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _rows(dicts: list[dict[str, Any]], columns: list[str], sqlite: bool) -> list[tuple[Any, ...]]:
    return [tuple(_value(c, d[c], sqlite) for c in columns) for d in dicts]


def _tables(batch: list[GeneratedCase], workflow_id: int) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    for case in batch:
        for event in case.events:
            event["prev_hash"] = event["hash"] = "0" * 64  # the report never reads the chain
    return {
        "cases": (CASE_COLUMNS, [case_row(c, workflow_id, 1) for c in batch]),
        "audit_events": (EVENT_COLUMNS, [e for c in batch for e in c.events]),
        "timers": (TIMER_COLUMNS, [t for c in batch for t in c.timers]),
    }


def _fill_sqlite(app: Redress, path: Path) -> dict[str, int]:
    counts = {"cases": 0, "audit_events": 0, "timers": 0}
    cases = _history(app)
    with sqlite3.connect(path) as connection:
        while batch := list(islice(cases, BATCH)):
            for name, (columns, dicts) in _tables(batch, app.current_workflow().id).items():
                marks = ", ".join("?" * len(columns))
                connection.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", _rows(dicts, columns, True))
                counts[name] += len(dicts)
    return counts


def _fill_postgres(app: Redress) -> dict[str, int]:
    counts = {"cases": 0, "audit_events": 0, "timers": 0}
    cases = _history(app)
    raw = app.db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        while batch := list(islice(cases, BATCH)):
            for name, (columns, dicts) in _tables(batch, app.current_workflow().id).items():
                with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in _rows(dicts, columns, False):
                        copy.write_row(row)
                counts[name] += len(dicts)
        raw.commit()
        cursor.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
        raw.commit()
    finally:
        raw.close()
    with app.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
    return counts


def _time_reports(app: Redress) -> dict[str, float]:
    year_ago = (NOW - timedelta(days=365)).date()
    timings = {}
    for label, start, by in (("all_years_by_month", None, "month"), ("last_year_by_term", year_ago, "term")):
        best = min(_timed(app, start, by) for _ in range(RUNS))
        timings[f"{label}_seconds"] = round(best, 3)
        print(f"   build_report {label.replace('_', ' ')}: {best:.3f} s (best of {RUNS})")
    return timings


def _timed(app: Redress, start: Any, by: Any) -> float:
    started = time.perf_counter()
    build_report(app, start, None, by)
    return time.perf_counter() - started


def _run_sqlite(folder: Path) -> dict[str, Any]:
    path = folder / "report.db"
    app = _app(f"sqlite:///{path}", folder)
    try:
        started = time.perf_counter()
        counts = _fill_sqlite(app, path)
        print(f"   sqlite: wrote {counts} in {time.perf_counter() - started:.1f} s")
        return {**counts, **_time_reports(app)}
    finally:
        app.close()


def _run_postgres(folder: Path) -> dict[str, Any]:
    if find_bin_dir() is None:
        print("   postgres: skipped (PostgreSQL binaries not installed)")
        return {"skipped": "PostgreSQL binaries not installed"}
    server = start_server()
    try:
        app = _app(server.create_database("report_bench"), folder)
        try:
            started = time.perf_counter()
            counts = _fill_postgres(app)
            print(f"   postgres: wrote {counts} in {time.perf_counter() - started:.1f} s")
            return {**counts, **_time_reports(app)}
        finally:
            app.close()
    finally:
        server.stop()


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="redress-report-bench-") as folder:
        results = {"sqlite": _run_sqlite(Path(folder)), "postgres": _run_postgres(Path(folder))}
    # The report runs two queries at once: the figures depend on idle cores, so say how busy the machine was.
    results["cpus"], results["load_average"] = os.cpu_count(), round(os.getloadavg()[0], 2)
    print(f"   ({results['cpus']} CPUs, load average {results['load_average']})")
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
