"""The tests' throwaway PostgreSQL dies with the process that started it, even one killed with SIGKILL,
and the next run clears away what a killed run left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import pgserver

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's"),
    pytest.mark.skipif(pgserver.find_bin_dir() is None, reason="PostgreSQL binaries are not installed here"),
]

# A stand-in for a pytest run: starts a server as the session fixture does, says where it is, then waits to be killed.
CHILD = """
import json, sys, time
from tests.support.pgserver import process_children, start_server
server = start_server()
print(json.dumps({"root": str(server.root), "port": server.port, "pid": server.pid,
                  "children": process_children(server.pid)}), flush=True)
time.sleep(600)
"""


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def accepts_connections(port: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture
def child() -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen([sys.executable, "-c", CHILD], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=30)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    process.stderr.close()


def test_a_server_dies_with_its_sigkilled_owner_and_the_next_run_clears_its_folder(
    child: subprocess.Popen[str],
) -> None:
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line, f"the child did not start a server: {child.stderr.read() if child.stderr else ''}"
    started = json.loads(line)
    server_pids = [started["pid"], *started["children"]]
    assert started["children"], "a running postmaster has its background processes"
    assert accepts_connections(started["port"])

    child.send_signal(signal.SIGKILL)  # no teardown, no atexit, no finally: what a killed pytest leaves
    child.wait(timeout=30)

    assert wait_for(lambda: not any(pgserver.process_alive(pid) for pid in server_pids), timeout=30), [
        pid for pid in server_pids if pgserver.process_alive(pid)
    ]
    assert not accepts_connections(started["port"])

    root = Path(started["root"])
    assert root.exists(), "nothing cleaned the folder (the owner was killed): the next run must"
    assert root in pgserver.cleanup_stale()
    assert not root.exists()


def test_the_next_run_kills_a_server_whose_owner_died_without_the_kernel_noticing(tmp_path: Path) -> None:
    """Where the parent-death signal did not fire (another OS, or the owner thread outlived by its server),
    cleanup_stale() still finds the server by its folder's owner file and kills it."""
    server = pgserver.start_server()
    try:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        (server.root / "owner").write_text(json.dumps({"pid": int(dead.stdout), "start": "0"}))
        assert server.pid is not None
        assert server.root in pgserver.cleanup_stale()
        assert server.process is not None
        assert server.process.wait(timeout=30) == -signal.SIGKILL
        assert not server.root.exists()
    finally:
        server.stop()


def test_cleanup_leaves_a_live_owners_server_alone(pg_server: pgserver.PgServer) -> None:
    assert pg_server.root not in pgserver.cleanup_stale()
    assert pg_server.root.exists() and accepts_connections(pg_server.port)
    assert os.getpid() == json.loads((pg_server.root / "owner").read_text())["pid"]
