"""Connecting to the database and the unit of work: one command, one transaction (invariant 1).

SQLite is the embedded default (a file, WAL mode, foreign keys on, synchronous=FULL unless the
settings choose NORMAL: see docs/configuration.md). A writing unit of
work starts with BEGIN IMMEDIATE there, so two processes acting at once queue for the
write lock rather than failing half-way; the version column on cases still catches a
stale form. PostgreSQL (psycopg 3) is the same code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVarTuple, overload

from sqlalchemy import Engine, Executable, Result, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from sqlalchemy.sql.selectable import TypedReturnsRows
    from sqlalchemy.util.typing import TupleAny

READONLY = "redress_readonly"
_Ts = TypeVarTuple("_Ts")


@overload
def core_rows(session: Session, statement: TypedReturnsRows[*_Ts], params: Mapping[str, Any] | None = None) -> Result[*_Ts]: ...


@overload
def core_rows(session: Session, statement: Executable, params: Mapping[str, Any] | None = None) -> Result[*TupleAny]: ...


def core_rows(session: Session, statement: Executable, params: Mapping[str, Any] | None = None) -> Result[*TupleAny]:
    """Run a Core statement (on the tables, not the mapped classes) in `session` as an ORM query runs: after the
    session's autoflush, so a writing command's pending rows are seen. A Core read sets up no ORM mapper and
    compiles quicker, which keeps a one-shot read (`redress case show`) quick; a read session has nothing to flush."""
    if session.autoflush:
        session.flush()
    return session.execute(statement, params)


def normalise_url(url: str) -> str:
    """Let people write postgresql:// and still get the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def connect(url: str, *, synchronous: str = "FULL", echo: bool = False) -> Engine:
    """An Engine for `url`. Nothing connects until first use."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_setup(engine, synchronous)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _sqlite_setup(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, say when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        readonly = connection.get_execution_options().get(READONLY, False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def optimize(engine: Engine) -> None:
    """SQLite only: statistics for a database that has none, then PRAGMA optimize."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA analysis_limit=1000")
        analysed = connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
        if analysed is None:
            connection.exec_driver_sql("ANALYZE")
        connection.exec_driver_sql("PRAGMA optimize")
        connection.commit()


class Database:
    """The one place that holds the engine and hands out units of work."""

    def __init__(self, url: str, *, synchronous: str = "FULL"):
        """`synchronous` is SQLite's: FULL (the default) syncs the write-ahead log at every commit, so a
        committed action survives a power cut; NORMAL syncs it only at checkpoints, faster, but the last
        commits before a power cut (never a crash of the process) may be lost. PostgreSQL ignores it."""
        self.url = normalise_url(url)
        self.engine = connect(self.url, synchronous=synchronous)
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._read = sessionmaker(self.engine.execution_options(**{READONLY: True}), expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends normally, rolled back otherwise."""
        with self._write() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only: on SQLite it does not take the write lock."""
        with self._read() as session, session.begin():
            yield session

    def optimize(self) -> None:
        """Let SQLite's planner keep its statistics current: at `init` after the migrations, and daily from
        the worker. A database without statistics is analysed once (bounded by analysis_limit), then
        PRAGMA optimize re-analyses the tables that need it. PostgreSQL's autovacuum runs ANALYZE itself."""
        if self.dialect != "sqlite":
            return
        optimize(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
