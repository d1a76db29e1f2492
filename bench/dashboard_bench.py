"""The dashboard at 200 and at 100,000 cases (about a million audit events), on SQLite and PostgreSQL.

Each school's history comes from the tests' generator (three years, every category, stage and outcome, a
staff member concerned in a third of the cases) and is written with the drivers' bulk paths. The SQLite
files are built once and kept in a cache folder under the system's temporary folder (keyed by the
migrations and the generator's source), so a second `make bench` starts timing at once; PostgreSQL is
loaded with COPY each run.

Then the web app, in this process through Starlette's test client (the page's whole cost: session,
viewer, the dashboard's queries and the HTML), serves `/` REQUESTS times to each of three people:
the headteacher (who sees every case), the chair (who sees the cases that reached her stages) and a
member of staff (who sees none in full, only the matters about them). Reported: p50 and p95 per school
and the ratio of the p95s. Target: the p95 at 100,000 cases within 2x of the p95 at 200 cases.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from bench.report_bench import CASE_COLUMNS, EVENT_COLUMNS, TIMER_COLUMNS, _rows
from engine.commands.auth import set_password
from engine.commands.people import add_person
from engine.commands.setup import init
from engine.context import Redress, open_app
from engine.rules.clock import FixedClock
from engine.settings import Settings
from tests.support.history import GeneratedCase, HistoryGenerator, case_row
from tests.support.pgserver import find_bin_dir, start_server

ROOT = Path(__file__).resolve().parent.parent
SIZES = (200, 100_000)
BATCH = 5_000
REQUESTS = 40
WARM = 3
TARGET = 2.0
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PASSWORD = "bench password, long enough"
SECRET = "bench-secret-that-signs-the-session-cookies-0123"
PEOPLE = [
    ("Helen Head", "head@bench.example", ["headteacher"]),
    ("Charles Chair", "chair@bench.example", ["chair"]),
    ("Sam Staff", "sam@bench.example", ["staff"]),
]
VIEWERS = [email for _, email, _ in PEOPLE]
STAFF_EVERY = 3
"""Every third case names Sam Staff as the member of staff concerned (his matters on his dashboard)."""
PARTY_COLUMNS = ["case_id", "kind", "name", "contact", "person_id"]
CACHE = Path(tempfile.gettempdir()) / "redress-bench-cache"
BUILD = 1
"""Raise when the way a school is built here changes: the cached files are then built again."""


def _settings(url: str, folder: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=url, data_dir=folder / "data", workflow=ROOT / "workflows.yaml", two_factor="off"
    )


def _key(cases: int) -> str:
    """The cache key: the schema (every migration's source), the generator and BUILD."""
    digest = hashlib.sha256()
    sources = sorted((ROOT / "store" / "migrations" / "versions").glob("*.py"))
    for source in [*sources, ROOT / "tests" / "support" / "history.py"]:
        digest.update(source.read_bytes())
    digest.update(f"{BUILD} {STAFF_EVERY}".encode())
    return f"dashboard-{cases}-{digest.hexdigest()[:12]}"


def _school(app: Redress) -> None:
    init(app)
    for name, email, roles in PEOPLE:
        add_person(app, name, email, roles)
        set_password(app, email, PASSWORD)


def _history(app: Redress, cases: int) -> Iterator[GeneratedCase]:
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
    return generator.cases(cases)


def _tables(batch: list[GeneratedCase], workflow_id: int, sam: int) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    for case in batch:
        for event in case.events:
            event["prev_hash"] = event["hash"] = "0" * 64  # the dashboard never reads the chain
    parties = [{"case_id": c.id, "kind": "poster", "name": c.poster, "contact": None, "person_id": None} for c in batch]
    parties += [
        {"case_id": c.id, "kind": "staff", "name": "Sam Staff", "contact": None, "person_id": sam}
        for c in batch
        if c.id % STAFF_EVERY == 0
    ]
    return {
        "cases": (CASE_COLUMNS, [case_row(c, workflow_id, 1) for c in batch]),
        "parties": (PARTY_COLUMNS, parties),
        "audit_events": (EVENT_COLUMNS, [e for c in batch for e in c.events]),
        "timers": (TIMER_COLUMNS, [t for c in batch for t in c.timers]),
    }


def _person(app: Redress, email: str) -> int:
    from sqlalchemy import select

    from store import Person

    with app.db.reading() as session:
        return int(session.scalar(select(Person.id).where(Person.email == email)) or 0)


def _sqlite_file(cases: int) -> Path:
    """The SQLite school with `cases` cases: from the cache, or built into it (then analysed, as `init` and the
    worker's nightly run leave a database)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{_key(cases)}.db"
    if path.exists():
        print(f"   sqlite {cases:,} cases: cached in {path}")
        return path
    for stale in CACHE.glob(f"dashboard-{cases}-*"):
        stale.unlink()
    building = CACHE / f"building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    started = time.perf_counter()
    app = open_app(_settings(f"sqlite:///{building / 'redress.db'}", building), clock=FixedClock(NOW))
    try:
        _school(app)
        workflow_id, sam = app.current_workflow().id, _person(app, "sam@bench.example")
        counts = dict.fromkeys(("cases", "parties", "audit_events", "timers"), 0)
        history = _history(app, cases)
        with sqlite3.connect(building / "redress.db") as connection:
            while batch := list(islice(history, BATCH)):
                for name, (columns, dicts) in _tables(batch, workflow_id, sam).items():
                    marks = ", ".join("?" * len(columns))
                    sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})"
                    connection.executemany(sql, _rows(dicts, columns, True))
                    counts[name] += len(dicts)
        app.db.optimize()
    finally:
        app.close()
    with sqlite3.connect(building / "redress.db") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (building / "redress.db").rename(path)
    shutil.rmtree(building, ignore_errors=True)
    print(f"   sqlite {cases:,} cases: built {counts} in {time.perf_counter() - started:.1f} s, cached in {path}")
    return path


def _fill_postgres(app: Redress, cases: int) -> None:
    workflow_id, sam = app.current_workflow().id, _person(app, "sam@bench.example")
    history = _history(app, cases)
    raw = app.db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        while batch := list(islice(history, BATCH)):
            for name, (columns, dicts) in _tables(batch, workflow_id, sam).items():
                with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in _rows(dicts, columns, False):
                        copy.write_row(row)
        raw.commit()
        cursor.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
        raw.commit()
    finally:
        raw.close()
    with app.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load


def _time(app: Redress) -> dict[str, dict[str, list[float]]]:
    """REQUESTS dashboards per viewer, after WARM unmeasured ones: wall and CPU milliseconds of each."""
    from fastapi.testclient import TestClient

    from web import create_app

    web = create_app(app, secret=SECRET)
    times: dict[str, dict[str, list[float]]] = {}
    with TestClient(web, follow_redirects=False) as client:
        for email in VIEWERS:
            client.cookies.clear()
            page = client.get("/sign-in")
            token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            answer = client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"})
            assert answer.status_code == 303, f"{email} could not sign in: {answer.status_code}"
            samples: dict[str, list[float]] = {"wall": [], "cpu": []}
            for n in range(WARM + REQUESTS):
                started, cpu = time.perf_counter(), time.process_time()
                answer = client.get("/")
                wall, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
                assert answer.status_code == 200, f"dashboard for {email}: {answer.status_code}"
                if n >= WARM:
                    samples["wall"].append(wall)
                    samples["cpu"].append(cpu)
            times[email] = samples
    return times


def _figures(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100)
    return {"p50_ms": round(cuts[49], 1), "p95_ms": round(cuts[94], 1)}


def _compare(database: str, runs: dict[int, dict[str, dict[str, list[float]]]]) -> dict[str, Any]:
    small, large = SIZES
    result: dict[str, Any] = {}
    for email in VIEWERS:
        result[email] = {}
        for clock in ("wall", "cpu"):
            figures = {size: _figures(runs[size][email][clock]) for size in SIZES}
            ratio = round(figures[large]["p95_ms"] / figures[small]["p95_ms"], 2)
            result[email][clock] = {
                **{f"{size}_cases": figures[size] for size in SIZES},
                "p95_ratio": ratio,
                "met": ratio <= TARGET,
            }
            print(
                f"   {database} {email.split('@')[0]:<5} {clock:<4} {small:,}: p50 {figures[small]['p50_ms']:>6}"
                f" p95 {figures[small]['p95_ms']:>6} ms | {large:,}: p50 {figures[large]['p50_ms']:>6}"
                f" p95 {figures[large]['p95_ms']:>6} ms | p95 ratio {ratio}x (target <= {TARGET}x: {'met' if ratio <= TARGET else 'MISSED'})"
            )
    return result


def _run_sqlite() -> dict[str, Any]:
    runs = {}
    for size in SIZES:
        path = _sqlite_file(size)
        with tempfile.TemporaryDirectory(prefix="redress-dashboard-bench-") as folder:
            app = open_app(_settings(f"sqlite:///{path}", Path(folder)), clock=FixedClock(NOW))
            try:
                runs[size] = _time(app)
            finally:
                app.close()
    return _compare("sqlite", runs)


def _run_postgres() -> dict[str, Any]:
    if find_bin_dir() is None:
        print("   postgres: skipped (PostgreSQL binaries not installed)")
        return {"skipped": "PostgreSQL binaries not installed"}
    server = start_server()
    runs = {}
    try:
        for size in SIZES:
            with tempfile.TemporaryDirectory(prefix="redress-dashboard-bench-") as folder:
                app = open_app(_settings(server.create_database(f"dashboard_{size}"), Path(folder)), clock=FixedClock(NOW))
                try:
                    _school(app)
                    started = time.perf_counter()
                    _fill_postgres(app, size)
                    print(f"   postgres {size:,} cases: loaded in {time.perf_counter() - started:.1f} s")
                    runs[size] = _time(app)
                finally:
                    app.close()
    finally:
        server.stop()
    return _compare("postgres", runs)


def run() -> dict[str, Any]:
    from argon2 import PasswordHasher

    import engine.commands.auth

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # signing in is not what is measured
    engine.commands.auth.hasher = lambda: cheap  # type: ignore[assignment]
    engine.commands.auth._dummy_hash = lambda: cheap.hash("nobody")  # type: ignore[assignment]
    results = {"sqlite": _run_sqlite()}
    if os.environ.get("REDRESS_BENCH_POSTGRES", "1") != "0":
        results["postgres"] = _run_postgres()
    results["load_average"] = round(os.getloadavg()[0], 2)
    print(f"   (load average {results['load_average']})")
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
