"""Web response times: many signed-in sessions at once reading the dashboard and case pages, on SQLite.

`redress serve --no-worker` runs in a process of its own on loopback (as in production: in this
process it would share the interpreter lock with the clients). SESSIONS browsers, each signed in
with its own cookie, read a page, pause as a person would (THINK seconds on average), and read
the next: the dashboard or one of the school's cases. Reported: the 50th, 95th and 99th
percentile response times per page kind, and the requests served per second.
Target: the 95th percentile of a case page under 50 ms.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

SESSIONS = 30
REQUESTS_PER_SESSION = 20
THINK = 1.5
ALONE = 100
"""Case pages read by one session on its own first: the response time with nothing to wait for."""
CASES = 200
TARGET_MS = 50.0
PASSWORD = "bench password, long enough"
ROOT = Path(__file__).resolve().parent.parent
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _env(folder: Path) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith("REDRESS_")}
    return {
        **kept,
        "REDRESS_DATABASE_URL": f"sqlite:///{folder / 'redress.db'}",
        "REDRESS_DATA_DIR": str(folder / "data"),
        "REDRESS_WORKFLOW": str(ROOT / "workflows.yaml"),
        "REDRESS_SECRET_KEY": "bench-secret-" * 4,
        "REDRESS_TWO_FACTOR": "off",  # the benches time pages and writes, not the second step of signing in
    }


def _seed(folder: Path) -> list[int]:
    """A school with CASES cases at different stages, each with evidence and a note; the headteacher's password set."""
    from engine.commands import auth, cases, records
    from engine.commands.people import add_person
    from engine.commands.setup import init
    from engine.context import open_app
    from engine.settings import load_settings

    app = open_app(load_settings(_env(folder), folder))
    try:
        init(app)
        add_person(app, "Helen Head", "head@bench.example", ["headteacher"])
        add_person(app, "Sam Staff", "sam@bench.example", ["staff"])
        auth.set_password(app, "head@bench.example", PASSWORD)
        ids = []
        for n in range(CASES):
            details = cases.OpenCase(
                categories=["staff_offensive"],
                summary=f"Post {n} about a member of staff",
                staff=["sam@bench.example"],
                platform="Facebook",
            )
            case_id = cases.open_case(app, "head@bench.example", details)
            records.add_evidence_link(app, case_id, "head@bench.example", f"https://social.example/post/{n}", "the post")
            records.add_note(app, case_id, "head@bench.example", "Spoke to the member of staff.")
            if n % 2:
                cases.take_action(app, case_id, "acknowledge", "head@bench.example", {"staff_reassured": "yes"})
            if n % 4 == 3:
                meeting = (date(2026, 12, 1) + timedelta(days=n % 10)).isoformat()
                cases.take_action(
                    app, case_id, "arrange_meeting", "head@bench.example", {"meeting_date": meeting, "invited_by": "letter"}
                )
            ids.append(case_id)
        return ids
    finally:
        app.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(folder: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "redress", "serve", "--no-worker", "--port", str(port)],
        cwd=folder,
        env=_env(folder),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("redress serve did not start")


async def _sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/sign-in")
    token = _CSRF.search(page.text)
    assert token, "no CSRF token on the sign-in page"
    answer = await client.post("/sign-in", data={"email": "head@bench.example", "password": PASSWORD, "csrf_token": token[1]})
    assert answer.status_code == 303, f"sign-in failed: {answer.status_code}"


async def _session(client: httpx.AsyncClient, ids: list[int], seed: int, times: dict[str, list[float]]) -> None:
    rng = random.Random(seed)
    await asyncio.sleep(rng.uniform(0, THINK))  # people do not all click at the same instant
    for _ in range(REQUESTS_PER_SESSION):
        kind = "dashboard" if rng.random() < 0.3 else "case"
        url = "/" if kind == "dashboard" else f"/cases/{rng.choice(ids)}"
        started = time.perf_counter()
        answer = await client.get(url)
        times[kind].append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, f"{url}: {answer.status_code}"
        await asyncio.sleep(rng.uniform(THINK / 2, THINK * 1.5))


async def _alone(client: httpx.AsyncClient, ids: list[int]) -> list[float]:
    times = []
    for case_id in ids[:ALONE]:
        started = time.perf_counter()
        answer = await client.get(f"/cases/{case_id}")
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200
    return times


async def _load(base: str, ids: list[int]) -> tuple[dict[str, list[float]], float]:
    """Sign every session in first (argon2 is slow on purpose), then time the reading alone."""
    times: dict[str, list[float]] = {"dashboard": [], "case": []}
    clients = [httpx.AsyncClient(base_url=base, timeout=30) for _ in range(SESSIONS)]
    try:
        for client in clients:
            await _sign_in(client)
        times["case alone"] = await _alone(clients[0], ids)
        started = time.perf_counter()
        await asyncio.gather(*(_session(client, ids, seed, times) for seed, client in enumerate(clients)))
        return times, time.perf_counter() - started
    finally:
        for client in clients:
            await client.aclose()


def _percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100)
    return {"p50_ms": round(cuts[49], 1), "p95_ms": round(cuts[94], 1), "p99_ms": round(cuts[98], 1), "count": len(values)}


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="redress-web-bench-") as tmp:
        folder = Path(tmp)
        ids = _seed(folder)
        port = _free_port()
        server = _start(folder, port)
        try:
            times, elapsed = asyncio.run(_load(f"http://127.0.0.1:{port}", ids))
        finally:
            server.terminate()
            server.wait(timeout=30)
    result: dict[str, Any] = {kind: _percentiles(values) for kind, values in times.items()}
    served = len(times["case"]) + len(times["dashboard"])
    result["sessions"] = SESSIONS
    result["requests_per_second"] = round(served / elapsed, 1)
    result["case_p95_target_ms"] = TARGET_MS
    result["case_p95_met"] = result["case"]["p95_ms"] < TARGET_MS
    print(
        f"   {SESSIONS} sessions, {served} pages in {elapsed:.1f} s ({result['requests_per_second']}/s), {CASES} cases on SQLite"
    )
    for kind in ("case", "dashboard", "case alone"):
        figures = result[kind]
        print(f"   {kind:<10} p50 {figures['p50_ms']:>6} ms   p95 {figures['p95_ms']:>6} ms   p99 {figures['p99_ms']:>6} ms")
    print(f"   case page p95 target: under {TARGET_MS:.0f} ms: {'met' if result['case_p95_met'] else 'NOT met'}")
    return result


if __name__ == "__main__":
    run()
