"""A consistent copy of the database, and putting one back, for each kind of database Redress runs on.

- SQLite: the online backup API copies every page in one step, under one read transaction, so the
  copy is one moment's database while the worker and the web app go on writing (WAL lets them).
- PostgreSQL: `pg_dump --format=custom` inside a snapshot this module exports and holds open, so the
  counts and the list of evidence files are read from exactly the state pg_dump saves;
  `pg_restore --single-transaction` puts it back, all or nothing.

Either way the facts (schema revision, counts, evidence files) come from the copy's moment, never
from the live database a moment later.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, create_engine, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from engine.errors import BadInput, RedressError
from store import AuditEvent, Case, Evidence, Person, normalise_url


class BackupFailed(RedressError):
    """A backup or restore could not be carried out (a tool missing or failing, a file unreadable)."""


@dataclass(frozen=True)
class Facts:
    """What a database copy holds: its schema revision, counts, and the evidence files it refers to."""

    revision: str
    counts: dict[str, int]
    evidence: tuple[str, ...]


def read_facts(connection: Connection) -> Facts:
    revision = ",".join(sorted(MigrationContext.configure(connection).get_current_heads()))
    counts = {
        name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
        for name, table in (("cases", Case), ("events", AuditEvent), ("evidence", Evidence), ("people", Person))
    }
    files = select(Evidence.sha256).where(Evidence.kind == "file", Evidence.sha256.is_not(None)).distinct()
    evidence = tuple(sorted(str(sha) for sha in connection.scalars(files)))
    return Facts(revision, {**counts, "evidence_files": len(evidence)}, evidence)


def kind_of(url: str) -> str:
    name = make_url(normalise_url(url)).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BadInput(f"Redress backs up SQLite and PostgreSQL databases, not {name}")
    return name


def shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# --- SQLite ---------------------------------------------------------------------------------------


def sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BadInput(f"{url} is not a SQLite file: give sqlite:///PATH")
    return Path(database)


def snapshot_sqlite(url: str, copy: Path) -> Facts:
    source = sqlite_file(url)
    if not source.is_file():
        raise BadInput(f"there is no database at {source}: run 'redress init' first, or check database_url")
    try:
        with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(copy)) as target:
            live.backup(target)  # every page in one step: one read transaction, one moment
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    except sqlite3.Error as exc:
        raise BackupFailed(f"could not copy the SQLite database {source}: {exc}") from exc
    return facts_of_sqlite(copy)


def facts_of_sqlite(path: Path) -> Facts:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return read_facts(connection)
    except SQLAlchemyError as exc:
        raise BackupFailed(
            f"the database has no Redress tables to back up ({str(exc).splitlines()[0]}): run 'redress init'"
        ) from exc
    finally:
        engine.dispose()


def sqlite_holds(url: str) -> str | None:
    """What the target database already holds, or None when it is empty (no file, or no tables)."""
    path = sqlite_file(url)
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as connection:
            tables = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    except sqlite3.Error as exc:
        return f"a file that is not an empty database ({exc})"
    return f"{tables} tables" if tables else None


def restore_sqlite(snapshot: Path, url: str) -> None:
    """Copy the snapshot beside the target and rename it into place. The target's old -wal and -shm
    go first: SQLite would replay another database's log into the restored file."""
    target = sqlite_file(url).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(snapshot, partial)
    os.chmod(partial, 0o600)
    with open(partial, "rb+") as file:
        os.fsync(file.fileno())
    for suffix in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(partial, target)


# --- PostgreSQL -----------------------------------------------------------------------------------


def find_pg_tool(name: str) -> str:
    """`name` on PATH, else the newest /usr/lib/postgresql/N/bin (Debian's layout) that has it."""
    found = shutil.which(name)
    if found:
        return found
    folders = glob.glob("/usr/lib/postgresql/*/bin")
    for folder in sorted(folders, key=lambda f: int(p) if (p := Path(f).parent.name).isdigit() else 0, reverse=True):
        if (Path(folder) / name).is_file():
            return str(Path(folder) / name)
    raise BackupFailed(f"{name} was not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL client tools "
                       "(Debian: apt install postgresql-client) of the server's version or newer")  # fmt: skip


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq takes it, with the password in the environment rather than on a command line."""
    parsed = make_url(normalise_url(url))
    env = {**os.environ, "PGPASSWORD": parsed.password} if parsed.password else dict(os.environ)
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(tool: str, *args: str, url: str) -> None:
    conninfo, env = _libpq(url)
    done = subprocess.run([find_pg_tool(tool), *args, "--dbname", conninfo], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        detail = next(
            (line for line in lines if "error" in line.lower()), lines[0] if lines else f"exit status {done.returncode}"
        )
        raise BackupFailed(f"{tool} failed on {shown(url)}: {detail.strip()}")


def dump_postgres(url: str, dump: Path) -> Facts:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = str(connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())
                facts = read_facts(connection)
                # pg_dump reads the snapshot this transaction holds open: the same moment as the facts.
                _run("pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", url=url)
        return facts
    except SQLAlchemyError as exc:
        raise BackupFailed(f"could not read {shown(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}") from exc
    finally:
        engine.dispose()


def postgres_holds(url: str) -> str | None:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    except SQLAlchemyError as exc:
        raise BackupFailed(f"could not open {shown(url)} (create the database first): {str(exc).splitlines()[0]}") from exc
    finally:
        engine.dispose()
    return f"{len(tables)} tables" if tables else None


def restore_postgres(dump: Path, url: str, *, replace: bool) -> None:
    if replace:
        engine = create_engine(normalise_url(url))
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
        finally:
            engine.dispose()
    _run("pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", str(dump), url=url)
