"""Evidence is read in chunks after the case is checked, and a failed unit of work leaves no file behind."""

from __future__ import annotations

import io
import os
import resource
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from engine.commands import evidence_store, records
from engine.context import Redress
from engine.errors import BadInput, NotFound
from tests.conftest import HEAD
from tests.integration.helpers import open_case
from tests.integration.test_bad_input_corpus import _run_in_process


def _stored(app: Redress) -> list[Path]:
    return sorted((app.data_dir / "evidence").glob("*/*"))


class _Counted(io.RawIOBase):
    """An endless stream of zeros that counts what was read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = len(buffer)
        buffer[:size] = bytes(size)
        self.read_bytes += size
        return size


def test_an_endless_stream_is_refused_at_the_limit_with_flat_memory(app: Redress) -> None:
    case = open_case(app)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    endless = _Counted()
    with pytest.raises(BadInput, match="over 25 MB"):
        records.add_evidence_file(app, case, HEAD, endless, "zero.png")
    assert 25 * 1024 * 1024 < endless.read_bytes <= 26 * 1024 * 1024  # it stopped reading just past the limit
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 20 * 1024  # KB: never the whole file
    assert _stored(app) == []


def test_nothing_is_stored_for_a_case_that_does_not_exist(app: Redress, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        records.add_evidence_file(app, 4242, HEAD, b"png bytes", "shot.png")
    assert _stored(app) == []


def test_a_file_placed_by_a_failed_unit_of_work_is_removed(app: Redress, monkeypatch: pytest.MonkeyPatch) -> None:
    case = open_case(app)

    def fail(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full while writing the row")

    monkeypatch.setattr(records._Recording, "keep", fail)
    with pytest.raises(OSError):
        records.add_evidence_file(app, case, HEAD, b"png bytes", "shot.png")
    assert _stored(app) == []


def test_the_sweep_removes_old_orphans_and_keeps_what_rows_name(app: Redress) -> None:
    case = open_case(app)
    kept = records.add_evidence_file(app, case, HEAD, b"kept", "kept.png")
    orphan = evidence_store.evidence_path(app.data_dir, "ab" * 32)
    fresh = evidence_store.evidence_path(app.data_dir, "cd" * 32)
    for path in (orphan, fresh):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"orphan")
    hour_ago = time.time() - 3700
    for path in (orphan, evidence_store.evidence_path(app.data_dir, kept.sha256 or "")):
        os.utime(path, (hour_ago, hour_ago))
    assert evidence_store.sweep(app) == [orphan]
    assert fresh.exists() and evidence_store.evidence_path(app.data_dir, kept.sha256 or "").exists()


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_the_command_line_refuses_what_is_not_a_file_without_opening_it(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "thing"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        target = Path("/dev/zero")
    monkeypatch.chdir(tmp_path)
    done: list[tuple[int, str, str, bool]] = []
    worker = threading.Thread(
        target=lambda: done.append(_run_in_process(("case", "evidence", "1", "--file", str(target), "--as", HEAD)))
    )
    worker.start()
    worker.join(10)
    assert done, "the command waited on the file"
    code, _out, err, _ = done[0]
    assert code == 2 and ("not a regular file" in err or "a folder" in err), err
