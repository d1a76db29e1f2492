"""The evidence store: files kept under their SHA-256 in the data folder, written only for a row that commits.

A file arrives as a stream (an upload, a file on disk): it is read in chunks into a temporary file in
`evidence/tmp/`, hashed and counted as it goes, so a file over the limit is refused as soon as it passes
it, with flat memory. It moves to its content address only inside the unit of work that adds its row,
and is removed again when that unit of work fails. `sweep` removes what a crash still leaves behind:
files no row names and temporary files, once older than an hour (an upload in flight is never swept).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from engine.context import Redress
from engine.errors import BadInput
from engine.files import private_folder
from store import Evidence, StaffReport

MAX_EVIDENCE_BYTES = 25 * 1024 * 1024
CHUNK = 1024 * 1024
SWEEP_AGE = timedelta(hours=1)
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


@dataclass(frozen=True)
class Spooled:
    """A file read into the store's temporary folder, not yet at its address."""

    path: Path
    sha256: str
    size: int


def evidence_path(data_dir: Path, sha256: str) -> Path:
    if len(sha256) != 64 or not set(sha256) <= _HEX:
        raise BadInput("not an evidence file reference")
    return data_dir / "evidence" / sha256[:2] / sha256


def _too_big(size: int) -> BadInput:
    mb = MAX_EVIDENCE_BYTES // 1024 // 1024
    return BadInput(f"the file is over {mb} MB ({size // 1024 // 1024} MB read so far): evidence files may be up to {mb} MB")


@contextmanager
def spooled(data_dir: Path, stream: BinaryIO) -> Iterator[Spooled]:
    """Read `stream` in chunks into a temporary file, refusing it once past MAX_EVIDENCE_BYTES; removed after."""
    chunk = stream.read(CHUNK)
    if not chunk:  # refused before anything is created
        raise BadInput("the file is empty: give a screenshot or a saved page")
    folder = data_dir / "evidence" / "tmp"
    created = [p for p in (folder, *folder.parents) if not p.exists()]  # taken back if nothing is stored
    private_folder(folder)
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as tmp:
        path = Path(tmp.name)
        try:
            while chunk:
                size += len(chunk)
                if size > MAX_EVIDENCE_BYTES:
                    raise _too_big(size)
                digest.update(chunk)
                tmp.write(chunk)
                chunk = stream.read(CHUNK)
            tmp.flush()
            os.fsync(tmp.fileno())
        except BaseException:
            tmp.close()
            _take_back(path, created)
            raise
    try:
        yield Spooled(path, digest.hexdigest(), size)
    except BaseException:
        _take_back(path, created)
        raise
    path.unlink(missing_ok=True)


def _take_back(path: Path, created: list[Path]) -> None:
    """Remove a refused file, and the folders made for it (deepest first; one another upload now uses is not empty and stays)."""
    path.unlink(missing_ok=True)
    for empty in created:
        with contextlib.suppress(OSError):
            empty.rmdir()


def place(data_dir: Path, spool: Spooled) -> bool:
    """Move a spooled file to its address; False when the same content is already stored (its age renewed,
    so a sweep running now does not take it)."""
    target = evidence_path(data_dir, spool.sha256)
    private_folder(target.parent)
    if target.exists():
        os.utime(target)
        return False
    os.replace(spool.path, target)
    return True


def store_file(data_dir: Path, content: bytes) -> StoredFile:
    """Write `content` once under its hash (atomically): for a restore, whose manifest names every file."""
    if len(content) > MAX_EVIDENCE_BYTES:
        raise _too_big(len(content))
    digest = hashlib.sha256(content).hexdigest()
    target = evidence_path(data_dir, digest)
    if not target.exists():
        private_folder(target.parent)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
            tmp.write(content)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, target)
    return StoredFile(digest, len(content))


def _referenced(app: Redress) -> set[str]:
    with app.db.reading() as session:
        # An item erased keeps its SHA-256 as its tombstone, but not its file.
        found = set(
            session.scalars(select(Evidence.sha256).where(Evidence.sha256.is_not(None), Evidence.erased_at.is_(None))).all()
        )
        # A screenshot sent with a staff report is kept while the report names it.
        found |= set(session.scalars(select(StaffReport.file_sha256).where(StaffReport.file_sha256.is_not(None))).all())
        return found  # type: ignore[return-value]


def remove_unless_referenced(app: Redress, sha256: str) -> None:
    """After a failed unit of work: take back the file it placed, unless another row names it meanwhile."""
    if sha256 not in _referenced(app):
        evidence_path(app.data_dir, sha256).unlink(missing_ok=True)


def sweep(app: Redress, older_than: timedelta = SWEEP_AGE) -> list[Path]:
    """Remove evidence files no row names and temporary files, older than `older_than`; the paths removed."""
    root = app.data_dir / "evidence"
    if not root.is_dir():
        return []
    cutoff = time.time() - older_than.total_seconds()
    known = _referenced(app)
    removed = []
    for path in sorted(root.glob("*/*")):
        if path.is_symlink() or not path.is_file() or path.stat().st_mtime >= cutoff:
            continue
        folder = path.parent.name
        in_store = len(folder) == 2 and set(folder) <= _HEX
        named = path.name[:2] == folder and len(path.name) == 64 and set(path.name) <= _HEX
        if folder == "tmp" or (in_store and not (named and path.name in known)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
