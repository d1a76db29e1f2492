"""Shared fixtures: a real SQLite file, a real PostgreSQL server, a wired app and a school of people."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.pgserver import PgServer, find_bin_dir, start_server

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "workflows.yaml"
# A Monday in term time, 10:00 in London (GMT).
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

SCHOOL = [
    ("Helen Head", "head@school.example", ["headteacher"]),
    ("Charles Chair", "chair@school.example", ["chair"]),
    ("Cora Coordinator", "coordinator@school.example", ["coordinator"]),
    ("Esme Equalities", "equalities@school.example", ["equalities_manager"]),
    ("Sam Staff", "sam@school.example", ["staff"]),
    ("Tess Teacher", "tess@school.example", ["staff"]),
]
HEAD, CHAIR, COORDINATOR, EQUALITIES, SAM, TESS = (email for _, email, _ in SCHOOL)

_names = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed here: `.ci/run` installs Debian's postgresql")
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    return pg_server.create_database(f"redress_test_{os.getpid()}_{next(_names)}")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'redress.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same integration test on a real SQLite file and on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'redress.db'}"
    return str(request.getfixturevalue("pg_url"))


def make_app(database_url: str, tmp_path: Path, **settings: object):  # type: ignore[no-untyped-def]
    from engine.commands.setup import init
    from engine.context import open_app
    from engine.rules.clock import FixedClock
    from engine.settings import Settings

    values = {"database_url": database_url, "data_dir": tmp_path / "data", "workflow": WORKFLOW, **settings}
    app = open_app(Settings(**values), clock=FixedClock(MONDAY))  # type: ignore[arg-type]
    init(app)
    return app


@pytest.fixture
def app(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A wired Redress on a fresh database with the shipped workflow loaded and a school of people."""
    from engine.commands.people import add_person

    redress = make_app(database_url, tmp_path)
    for name, email, roles in SCHOOL:
        add_person(redress, name, email, roles)
    yield redress
    redress.close()
