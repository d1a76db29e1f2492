"""A throwaway PostgreSQL server for the tests, from the machine's own binaries, never left behind.

initdb into a folder under one known place (`<tmp>/redress-pg/`), run the postmaster as a child of
this process on a free loopback port, and stop it and delete the folder afterwards. PostgreSQL
refuses to run as root, so as root the server runs as the `postgres` user (which Debian's package
creates).

Never left behind, even when the test process is killed with SIGKILL and no teardown runs:
- on Linux the postmaster is started with PR_SET_PDEATHSIG = SIGKILL (set after the switch to the
  `postgres` user, which would clear it), so the kernel kills it when the thread that started it
  dies; its backends see the postmaster gone and exit on their own;
- each server's folder holds `owner` (the pid and start time of the process that started it); the
  next start_server() kills whatever a dead owner left running and deletes its folder
  (`cleanup_stale()`), so a crashed run costs the next one a few milliseconds, not a port or a disk.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BASE = Path(tempfile.gettempdir()) / "redress-pg"
PR_SET_PDEATHSIG = 1
START_TIMEOUT = 60.0


def find_bin_dir() -> Path | None:
    override = os.environ.get("REDRESS_PG_BIN")
    candidates = [override] if override else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- processes, as /proc shows them (Linux) -------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (index 0 is the state), or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def process_alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent (a killed server may be nobody's child to reap)."""
    fields = _stat(pid)
    if fields is None:
        if not Path("/proc").is_dir():  # not Linux: ask the kernel
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
            return True
        return False
    return fields[0] not in ("Z", "X")


def process_start(pid: int) -> str | None:
    """When PID started (clock ticks since boot): with the pid, names one process even after pid reuse."""
    fields = _stat(pid)
    return fields[19] if fields else None


def process_children(pid: int) -> list[int]:
    children = []
    for entry in glob.glob("/proc/[0-9]*/stat"):
        fields = _stat(int(entry.split("/")[2]))
        if fields and fields[1] == str(pid):
            children.append(int(entry.split("/")[2]))
    return children


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """For the child (preexec_fn, which runs after Popen's switch of user, which would clear it): ask the
    kernel to SIGKILL the child when the parent dies. Linux only; the libc handle is taken here, before fork."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def setup() -> None:
        if prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            os._exit(111)
        if os.getppid() != parent:  # the parent died before prctl: nobody will send the signal
            os.kill(os.getpid(), signal.SIGKILL)

    return setup


# --- the server ----------------------------------------------------------------------------------


@dataclass
class PgServer:
    bin_dir: Path
    root: Path
    port: int
    user: str | None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _command(self, *args: str) -> list[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        return ["runuser", "-u", self.user, "--", *command] if self.user else command

    def start(self) -> None:
        initdb = self._command("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        subprocess.run(initdb, check=True, capture_output=True, text=True, timeout=120)
        postgres = [
            str(self.bin_dir / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.root),
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200",
        ]  # fmt: skip
        uid = gid = groups = None
        if self.user:  # as root: the postgres user, with its groups (looked up here, not in the forked child)
            entry = pwd.getpwnam(self.user)
            uid, gid, groups = entry.pw_uid, entry.pw_gid, os.getgrouplist(self.user, entry.pw_gid)
        with open(self.root / "log", "ab") as log:
            self.process = subprocess.Popen(
                postgres,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl+C reaches pytest (which stops the server), not the server
                preexec_fn=_die_with_parent(os.getpid()),
                user=uid,
                group=gid,
                extra_groups=groups,
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited with {self.process.returncode}:\n{self.log()}")
            try:
                with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError(f"PostgreSQL did not accept connections in {START_TIMEOUT:.0f} s") from None
                time.sleep(0.05)

    def log(self) -> str:
        try:
            return (self.root / "log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        try:
            if self.process and self.process.poll() is None:
                self.process.send_signal(signal.SIGQUIT)  # immediate shutdown: a throwaway needs no checkpoint
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=30)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database, empty or a copy of `template` (a database nobody is connected to)."""
        import psycopg

        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)


# --- what a killed run left behind ---------------------------------------------------------------


def _base() -> Path:
    BASE.mkdir(mode=0o1777, exist_ok=True)
    with contextlib.suppress(PermissionError):  # another user's base: fine, it is already shared
        BASE.chmod(0o1777)
    return BASE


def _postmaster_pid(root: Path) -> int | None:
    try:
        return int((root / "data" / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def cleanup_stale() -> list[Path]:
    """Kill the servers whose owner died and delete their folders; return the folders removed."""
    removed: list[Path] = []
    if not BASE.is_dir():
        return removed
    for root in sorted(BASE.iterdir()):
        try:
            owner = json.loads((root / "owner").read_text())
            owner_alive = process_alive(owner["pid"]) and process_start(owner["pid"]) == owner["start"]
        except (OSError, ValueError, KeyError, TypeError):
            owner_alive = False
            if time.time() - root.stat().st_mtime < 60:  # maybe being created right now by another run
                continue
        if owner_alive:
            continue
        postmaster = _postmaster_pid(root)
        if postmaster and process_alive(postmaster):
            with contextlib.suppress(OSError):
                cmdline = Path(f"/proc/{postmaster}/cmdline").read_bytes().replace(b"\0", b" ")
                if str(root).encode() in cmdline:  # our server, not a stranger that reused the pid
                    os.kill(postmaster, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)
        removed.append(root)
    return removed


def start_server() -> PgServer:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb, postgres) not found: install Debian's 'postgresql' package")
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        pwd.getpwnam(user)  # KeyError if the package did not create it
    cleanup_stale()
    root = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=_base()))
    (root / "owner").write_text(json.dumps({"pid": os.getpid(), "start": process_start(os.getpid())}))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PgServer(bin_dir, root, _free_port(), user)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server
