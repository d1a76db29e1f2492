"""What went wrong, in one line a person can act on: database, file and unexpected failures.

`main` calls `explain` for anything the engine did not already word; the traceback is kept
for `redress --debug` (or REDRESS_DEBUG=1).
"""

from __future__ import annotations

import errno
import os

from engine.settings_values import masked_url

DEBUG_ENV = "REDRESS_DEBUG"

_FILE_FIXES = {
    errno.ENOENT: "check the path exists",
    errno.EACCES: "check this user may read and write it",
    errno.EPERM: "check this user may read and write it",
    errno.EROFS: "the file system is read-only: use a writable folder",
    errno.ENOSPC: "the disk is full: free some space and try again",
    errno.EDQUOT: "the disk quota is used up: free some space and try again",
    errno.EISDIR: "it is a folder: give a file name",
    errno.ENOTDIR: "part of the path is a file, not a folder: fix the path",
}

# Words in a database driver's message, and what to tell the person.
_DATABASE_FIXES = (
    ("unable to open database file", "the database file cannot be opened: check its folder exists and this user may write there"),
    ("file is not a database", "the file is not a SQLite database: point database_url at Redress's own file"),
    ("readonly database", "the database is read-only: check this user may write the file and its folder"),
    ("read-only", "the database is read-only: check this user may write the file and its folder"),
    ("disk is full", "the disk is full: free some space and try again"),
    ("database or disk is full", "the disk is full: free some space and try again"),
    ("disk i/o error", "the disk failed to read or write: check the disk and the file system"),
    ("database is locked", "the database is busy: another Redress is writing; try again"),
    ("malformed", "the database file is damaged: restore it from a backup"),
    ("no such table", "the database has no Redress tables: run 'redress init' first"),
    ("connection refused", "the database server is not answering: check it is running and the host and port"),
    ("could not translate host name", "the database server's host name is unknown: check database_url"),
    ("name or service not known", "the database server's host name is unknown: check database_url"),
    ("timeout", "the database server did not answer in time: check it is running and reachable"),
    ("password authentication failed", "the database refused the login: check the user and password in database_url"),
    ("does not exist", "the database does not exist on the server: create it, then run 'redress init'"),
    ("can't load plugin", "unknown database driver: write a URL such as sqlite:///./redress.db or postgresql://..."),
    ("could not parse", "the database URL cannot be read: write one such as sqlite:///./redress.db"),
)


def debugging(argv: list[str]) -> bool:
    """Whether --debug comes before the command's name, or REDRESS_DEBUG is set."""
    if os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    for arg in argv:
        if arg == "--debug":
            return True
        if not arg.startswith("-"):
            return False
    return False


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def explain(exc: BaseException, database_url: str | None = None) -> str:
    """The one line for a failure no one worded earlier."""
    if is_database_error(exc):
        return _database(exc, database_url)
    if isinstance(exc, OSError):
        return _file(exc)
    if isinstance(exc, MemoryError):
        return "out of memory: close other programs, or give Redress a smaller input"
    return (
        f"unexpected error ({type(exc).__name__}: {one_line(str(exc))[:200]}): "
        "run again with --debug for the details, and report it"
    )


def is_database_error(exc: BaseException) -> bool:
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError | sqlite3.Error):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency, but SQLite needs none
        return False
    return isinstance(exc, psycopg.Error)


def _database(exc: BaseException, database_url: str | None) -> str:
    reason = one_line(str(getattr(exc, "orig", None) or exc).split("\n[SQL:")[0].split("(Background on")[0])
    lowered = reason.lower()
    fix = next(
        (fix for words, fix in _DATABASE_FIXES if words in lowered),
        "check database_url and that the database is reachable (redress --debug shows the details)",
    )
    where = f" at {masked_url(database_url)}" if database_url else ""
    if database_url:
        reason = reason.replace(database_url, masked_url(database_url))
    return f"database problem{where}: {fix} ({reason[:160]})"


def _file(exc: OSError) -> str:
    fix = _FILE_FIXES.get(exc.errno or 0, "check the path and its permissions")
    name = f" {exc.filename}" if exc.filename else ""
    return f"cannot use{name}: {exc.strerror or exc}: {fix}"
