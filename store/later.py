"""Rows a transaction writes at its end, one statement per kind of row, instead of one statement per row.

The worker fires a batch of deadlines in one transaction (invariant 1 holds: everything commits or
nothing does). Most of what each deadline writes is read by nothing later in the same batch: the
timer's own "fired" mark, the audit event (the case row carries the chain's head, which is written at
once), the outbox rows. Kept here and written together before the commit, they cost one statement per
kind for the whole batch (on PostgreSQL one round trip, not one per row).

What a later step of the batch does read is asked of `pending` as well as the database (the urgent
emails already queued for a case: engine.commands.notify). A deadline refused inside its savepoint
drops what it added (`mark` / `undo`), as the savepoint drops what it wrote.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Executable
from sqlalchemy.orm import Session

LATER = "write_later"
"""The session.info key of the transaction's WriteBehind, when it has one."""


class WriteBehind:
    def __init__(self) -> None:
        self._rows: dict[Executable, list[dict[str, Any]]] = {}

    def add(self, statement: Executable, rows: dict[str, Any] | list[dict[str, Any]]) -> None:
        """`statement` (built once, with bound parameters) to run with these parameters before the commit."""
        self._rows.setdefault(statement, []).extend(rows if isinstance(rows, list) else [rows])

    def pending(self, statement: Executable) -> list[dict[str, Any]]:
        return list(self._rows.get(statement, []))

    def mark(self) -> dict[Executable, int]:
        return {statement: len(rows) for statement, rows in self._rows.items()}

    def undo(self, mark: dict[Executable, int]) -> None:
        """Forget what was added since `mark` (the savepoint it was added in was rolled back)."""
        for statement, rows in self._rows.items():
            del rows[mark.get(statement, 0) :]

    def flush(self, connection: Connection) -> None:
        """Write everything kept, each statement once with all its rows, in the order first added."""
        for statement, rows in self._rows.items():
            if rows:
                connection.execute(statement, rows)
        self._rows.clear()


def write_behind(session: Session) -> WriteBehind | None:
    """The session's WriteBehind, if its transaction keeps rows for the end (the worker's batch)."""
    found: WriteBehind | None = session.info.get(LATER)
    return found


def write(session: Session, statement: Executable, rows: dict[str, Any] | list[dict[str, Any]]) -> None:
    """Run `statement` with `rows` now, on the session's connection (nothing for the session to flush), or keep
    them for the end of the transaction if it writes behind."""
    later = write_behind(session)
    if later is not None:
        later.add(statement, rows)
    elif rows:
        session.connection().execute(statement, rows)
