"""Schools built once per session through the real `redress` command, and a copy of one for each test.

A school is seven cold `redress` processes (`init` and six `people add`), about 2 s of CPU each; the
end-to-end tests were three quarters of the suite's time building the same one again. Now a builder
(a function that drives `redress` as a person would) runs once per session and database, into a
template; each test gets its own copy: the SQLite file and data folder copied, or on PostgreSQL a
database made with `CREATE DATABASE ... TEMPLATE`. What a test tests still goes through `redress`.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import SCHOOL
from tests.e2e.cli import Redress
from tests.support.pgserver import PgServer

Builder = Callable[[Redress], Any]
"""Makes a school through `redress` (in the folder and database it is given); may return what it made."""

_copies = itertools.count()
_builds = itertools.count()


@dataclass(frozen=True)
class Template:
    """A school as a builder left it: its folder (the data folder, and the SQLite file) and its database."""

    folder: Path
    database_url: str
    made: Any
    server: PgServer | None = None

    def copy(self, folder: Path, **env: str) -> Redress:
        """This school in `folder`, in a database of its own, for `redress` with these settings."""
        if (self.folder / "data").exists():
            shutil.copytree(self.folder / "data", folder / "data")
        if self.server is None:
            database = folder / "redress.db"
            shutil.copyfile(self.folder / "redress.db", database)
            return Redress(folder, f"sqlite:///{database}", **env)
        name = f"redress_e2e_{os.getpid()}_{next(_copies)}"
        template = self.database_url.rsplit("/", 1)[1]
        return Redress(folder, self.server.create_database(name, template=template), **env)


class Templates:
    """Each builder's school, built the first time a test asks for it on that database."""

    def __init__(self, root: Path):
        self.root = root
        self.built: dict[tuple[str, str, str], Template] = {}

    def get(self, build: Builder, server: PgServer | None) -> Template:
        key = (build.__module__, build.__qualname__, "sqlite" if server is None else "postgres")
        if key not in self.built:
            self.built[key] = self._build(build, f"{next(_builds)}_{build.__name__}_{key[2]}", server)
        return self.built[key]

    def _build(self, build: Builder, name: str, server: PgServer | None) -> Template:
        folder = self.root / name
        folder.mkdir()
        if server is None:
            url = f"sqlite:///{folder / 'redress.db'}"
        else:
            url = server.create_database(f"redress_template_{os.getpid()}_{name}")
        made = build(Redress(folder, url))
        if server is None:
            # Every `redress` has exited; fold the write-ahead log into the file so one file copy is the whole database.
            with sqlite3.connect(folder / "redress.db") as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
            assert not (folder / "redress.db-wal").exists() or (folder / "redress.db-wal").stat().st_size == 0
        return Template(folder, url, made, server)


# Builders: each drives the real `redress` command, so a broken `init` or `people add` still fails every test.


def initialised(redress: Redress) -> None:
    """`redress init`: the schema and the shipped workflow, nobody in it yet."""
    redress("init")


def the_school(redress: Redress) -> None:
    """`redress init` and the school's people (tests.conftest.SCHOOL), added as a person would."""
    redress("init")
    for name, email, roles in SCHOOL:
        redress("people", "add", "--name", name, "--email", email, *(arg for role in roles for arg in ("--role", role)))
