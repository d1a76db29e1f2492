"""The end-to-end fixtures: a school template per builder and database, and the database a test runs on."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.schools import Builder, Template, Templates


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(tmp_path_factory.mktemp("schools"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """The same end-to-end test on a SQLite file and on a real PostgreSQL server."""
    return str(request.param)


@pytest.fixture
def template(request: pytest.FixtureRequest, templates: Templates) -> Callable[..., Template]:
    """`template(build)` or `template(build, "postgres")`: the school `build` makes, built once per session."""

    def get(build: Builder, backend: str = "sqlite") -> Template:
        server = request.getfixturevalue("pg_server") if backend == "postgres" else None
        return templates.get(build, server)

    return get
