"""Checkpoints: the heads of every case's chain, school-wide, chained and keyed, so truncation, deletion
and a rebuilt chain show. Each is also appended to `checkpoints.log` in the data folder (one JSON line
each) and named in the daily digest: copies that leave the database, for `redress verify --against`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from engine.context import Redress
from store import Case, Checkpoint, integrity, table_of

LOG_FILE = "checkpoints.log"
STREAM = 5000
_cases, _checkpoints = table_of(Case), table_of(Checkpoint)


@dataclass(frozen=True)
class CheckpointView:
    seq: int
    at: datetime
    cases: int
    heads_digest: str
    hash: str

    def line(self) -> str:
        """The JSON line `checkpoints.log` holds, and `verify --against` reads."""
        return json.dumps(
            {
                "seq": self.seq,
                "at": self.at.isoformat(timespec="seconds"),
                "cases": self.cases,
                "heads_digest": self.heads_digest,
                "hash": self.hash,
            },
            sort_keys=True,
        )


def checkpoint_rows(connection: Connection) -> Iterator[Any]:
    with connection.execute(select(_checkpoints).order_by(_checkpoints.c.seq), execution_options={"yield_per": 100}) as rows:
        yield from rows  # closed even when the reader stops early (a server-side cursor on PostgreSQL)


def folded_heads(connection: Connection) -> dict[int, tuple[int, str]]:
    """Every case's newest head some checkpoint recorded."""
    heads: dict[int, tuple[int, str]] = {}
    for row in checkpoint_rows(connection):
        heads.update({int(case_id): (int(seq), str(head)) for case_id, (seq, head) in (row.heads or {}).items()})
    return heads


def take_checkpoint(app: Redress) -> CheckpointView:
    """Record every case's head that moved on since the last checkpoint, and the digest over all of them.
    A head that went back (events removed) is not recorded: the checkpoint never blesses a truncation."""
    with app.db.unit_of_work() as session:
        connection = session.connection()
        heads = folded_heads(connection)
        moved: dict[str, list[Any]] = {}
        read = select(_cases.c.id, _cases.c.head_seq, _cases.c.head_hash).order_by(_cases.c.id)
        for row in connection.execute(read, execution_options={"yield_per": STREAM}):
            before = heads.get(row.id)
            if row.head_seq > 0 and (before is None or row.head_seq > before[0]):
                heads[row.id] = (row.head_seq, row.head_hash)
                moved[str(row.id)] = [row.head_seq, row.head_hash]
        digest = integrity.heads_digest((case_id, seq, head) for case_id, (seq, head) in sorted(heads.items()))
        values = integrity.append_checkpoint(connection, at=app.clock.now(), cases=len(heads), digest=digest, heads=moved)
    view = CheckpointView(values["seq"], values["at"], values["cases"], values["heads_digest"], values["hash"])
    _append_line(Path(app.settings.data_dir) / LOG_FILE, view.line())
    return view


def _append_line(path: Path, line: str) -> None:
    """Append-only, private (0600), synced: the copy the school keeps."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def latest_checkpoint(app: Redress) -> CheckpointView | None:
    with app.db.reading() as session:
        row = session.execute(select(_checkpoints).order_by(_checkpoints.c.seq.desc()).limit(1)).first()
    return CheckpointView(row.seq, row.at, row.cases, row.heads_digest, row.hash) if row else None
