"""Actions per second on a SQLite file with synchronous=FULL, beside plain sqlite3 doing the same rows,
and beside SpiffWorkflow taking the same main path (bench/spiff_bench.py).

The engine takes three actions on each of many cases (one transaction each). Then plain
`sqlite3`, on a copy of the database as it was before, writes exactly the rows the engine
wrote (the case update, cancelled and new timers, the audit event, the outbox rows), with
the same read of the case, its parties and the chain's head (on the case row), in the same
number of transactions.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from engine.commands import cases
from engine.commands.people import add_person
from engine.commands.setup import init
from engine.context import Redress
from engine.settings import Settings
from store import Database

ROOT = Path(__file__).resolve().parent.parent
CASES = 300
ACTIONS = [
    ("acknowledge", {"staff_reassured": "yes"}),
    ("refer_to_authorities", {"authority": "police", "reference": "CAD 1234", "reason": "A threat to a member of staff"}),
    ("close_after_referral", {"authority_outcome": "Words of advice given to the poster"}),
]
HEAD = "head@bench.example"


def _app(folder: Path) -> Redress:
    url = f"sqlite:///{folder / 'engine.db'}"
    settings = Settings(database_url=url, data_dir=folder / "data", workflow=ROOT / "workflows.yaml")  # type: ignore[call-arg]
    return Redress(settings, Database(url, synchronous="FULL"))


def _seed(app: Redress) -> list[int]:
    init(app)
    add_person(app, "Helen Head", HEAD, ["headteacher"])
    add_person(app, "Charles Chair", "chair@bench.example", ["chair"])
    add_person(app, "Cora Coordinator", "coordinator@bench.example", ["coordinator"])
    add_person(app, "Sam Staff", "sam@bench.example", ["staff"])
    details = cases.OpenCase(
        categories=["threat_of_violence"], summary="A threat posted in a parents' group", staff=["sam@bench.example"]
    )
    return [cases.open_case(app, HEAD, details) for _ in range(CASES)]


def _engine_run(app: Redress, case_ids: list[int]) -> float:
    started = time.perf_counter()
    for action, fields in ACTIONS:
        for case_id in case_ids:
            cases.take_action(app, case_id, action, HEAD, fields)
    return time.perf_counter() - started


def _written_rows(db: Path, since: dict[str, int]) -> list[dict[str, Any]]:
    """The rows each action wrote, grouped per audit event (one group = one transaction)."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    events = conn.execute("SELECT * FROM audit_events WHERE id > ? ORDER BY id", (since["audit_events"],)).fetchall()
    timers = conn.execute("SELECT * FROM timers WHERE id > ? ORDER BY id", (since["timers"],)).fetchall()
    outbox = conn.execute("SELECT * FROM outbox WHERE id > ? ORDER BY id", (since["outbox"],)).fetchall()
    case_rows = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM cases")}
    conn.close()
    groups = []
    for event in events:
        groups.append({"event": dict(event), "case": case_rows[event["case_id"]], "timers": [], "outbox": []})
    by_case: dict[int, list[dict[str, Any]]] = {}
    for group in groups:
        by_case.setdefault(group["event"]["case_id"], []).append(group)
    for table, rows in (("timers", timers), ("outbox", outbox)):
        for row in rows:
            owners = [g for g in by_case[row["case_id"]] if g["event"]["at"] <= row["created_at"]]
            owners[-1][table].append(dict(row))
    return groups


def _insert(conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> None:
    columns = [c for c in row if c != "id"]
    conn.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", [row[c] for c in columns]
    )


def _baseline_run(db: Path, groups: list[dict[str, Any]]) -> float:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    started = time.perf_counter()
    for group in groups:
        event, case = group["event"], group["case"]
        conn.execute("BEGIN IMMEDIATE")
        # The case, its parties and the chain's head (on the case row), in one statement, as the engine reads them;
        # the update checks the head as the engine's checks the version and the head.
        conn.execute(
            "SELECT * FROM cases LEFT JOIN parties ON parties.case_id = cases.id WHERE cases.id = ?", (event["case_id"],)
        ).fetchall()
        conn.execute(
            "UPDATE cases SET stage = ?, stage_entered_at = ?, facts = ?, closed_at = ?, outcome = ?, "
            "version = version + 1, head_seq = ?, head_hash = ? WHERE id = ? AND head_seq = ?",
            (
                event["stage_after"],
                event["at"],
                case["facts"],
                case["closed_at"],
                case["outcome"],
                event["seq"],
                event["hash"],
                event["case_id"],
                event["seq"] - 1,
            ),
        )
        conn.execute("UPDATE timers SET status = 'cancelled' WHERE case_id = ? AND status = 'pending'", (event["case_id"],))
        for timer in group["timers"]:
            _insert(conn, "timers", timer)
        _insert(conn, "audit_events", event)
        for message in group["outbox"]:
            _insert(conn, "outbox", message)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _high_water(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    marks = {t: conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] for t in ("audit_events", "timers", "outbox")}
    conn.close()
    return marks


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="redress-bench-", dir=ROOT) as tmp:
        folder = Path(tmp)
        app = _app(folder)
        case_ids = _seed(app)
        app.db.dispose()  # checkpoint and close, so the copy is the whole database
        shutil.copy(folder / "engine.db", folder / "baseline.db")
        since = _high_water(folder / "engine.db")
        app = _app(folder)
        app.current_workflow()  # parse the workflow once, outside the timing, as a long-running process would
        engine_seconds = _engine_run(app, case_ids)
        app.close()
        groups = _written_rows(folder / "engine.db", since)
        baseline_seconds = _baseline_run(folder / "baseline.db", groups)
    actions = len(groups)
    result = {
        "actions": actions,
        "engine_actions_per_second": round(actions / engine_seconds, 1),
        "sqlite3_transactions_per_second": round(actions / baseline_seconds, 1),
        "ratio": round(baseline_seconds / engine_seconds, 3),
    }
    print(f"   {actions} actions, SQLite file, synchronous=FULL, one transaction each")
    print(f"   redress:       {result['engine_actions_per_second']:>8} actions/s")
    print(f"   plain sqlite3: {result['sqlite3_transactions_per_second']:>8} transactions/s (same rows, same transactions)")
    print(f"   ratio:         {result['ratio']:>8} (target >= 0.3)")
    from bench import spiff_bench  # it takes the main path from here

    spiff = spiff_bench.run()
    if not spiff.get("skipped"):
        result["spiffworkflow_steps_per_second"] = spiff["steps_per_second"]
        result["vs_spiffworkflow"] = round(result["engine_actions_per_second"] / spiff["steps_per_second"], 2)
        print(
            f"   redress / SpiffWorkflow: {result['vs_spiffworkflow']} (same run; Redress also writes the audit chain, "
            "outbox and deadlines)"
        )
    return result
