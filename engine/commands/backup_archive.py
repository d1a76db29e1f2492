"""The backup archive: one tar.gz holding the database copy, the evidence files, `backup.json` and
`MANIFEST.sha256` (the format `sha256sum -c` reads), written atomically and read back only when
every file matches its line of the manifest.

    MANIFEST.sha256             one line per other file: "<sha256>  <name>"
    backup.json                 what was backed up: Redress version, schema revision, counts
    database.sqlite3 | database.pgdump
    evidence/ab/ab12...         each evidence file the database copy refers to, by its SHA-256
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from engine.errors import BadInput, NotFound

FORMAT = "redress-backup/1"
MANIFEST = "MANIFEST.sha256"
INFO = "backup.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_NAME = re.compile(r"MANIFEST\.sha256|backup\.json|database\.sqlite3|database\.pgdump|evidence/[0-9a-f]{2}/[0-9a-f]{64}")
_FOLDER = re.compile(r"evidence(/[0-9a-f]{2})?")
_LINE = re.compile(r"([0-9a-f]{64}) [ *](\S+)")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BackupInfo:
    """backup.json: what the archive holds, so a restore can check it got all of it."""

    redress_version: str
    schema_revision: str
    database: str
    created_at: datetime
    counts: dict[str, int]

    def to_json(self) -> bytes:
        values = {"format": FORMAT, **asdict(self), "created_at": self.created_at.isoformat()}
        return (json.dumps(values, indent=2) + "\n").encode()

    @classmethod
    def from_json(cls, raw: bytes) -> BackupInfo:
        try:
            values = json.loads(raw)
            if values.pop("format") != FORMAT or values["database"] not in DATABASE_FILES:
                raise ValueError("not a format this Redress reads")
            counts = {str(k): int(v) for k, v in values.pop("counts").items()}
            created_at = datetime.fromisoformat(values.pop("created_at"))
            return cls(**{k: str(v) for k, v in values.items()}, created_at=created_at, counts=counts)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{INFO} is not one Redress wrote ({exc})") from exc


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class ArchiveWriter:
    """Adds files to the archive and keeps each one's line of the manifest."""

    def __init__(self, tar: tarfile.TarFile, created_at: datetime) -> None:
        self._tar, self._mtime, self._lines = tar, int(created_at.timestamp()), list[str]()

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, self._mtime
        return info

    def add_bytes(self, name: str, content: bytes) -> None:
        self._tar.addfile(self._info(name, len(content)), io.BytesIO(content))
        self._lines.append(f"{hashlib.sha256(content).hexdigest()}  {name}")

    def add_file(self, name: str, path: Path) -> None:
        """A file nobody else writes (the database copy in our private folder)."""
        digest = sha256_of(path)
        with path.open("rb") as file:
            self._tar.addfile(self._info(name, path.stat().st_size), file)
        self._lines.append(f"{digest}  {name}")

    def finish(self) -> None:
        manifest = ("\n".join(self._lines) + "\n").encode()
        self._tar.addfile(self._info(MANIFEST, len(manifest)), io.BytesIO(manifest))


@contextlib.contextmanager
def write_archive(out: Path, created_at: datetime) -> Iterator[ArchiveWriter]:
    """Write the archive to a temporary file beside `out` (mode 0600) and rename it into place only when
    it is complete: a reader never sees half an archive, and a failed backup leaves nothing behind."""
    fd, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                writer = ArchiveWriter(tar, created_at)
                yield writer
                writer.finish()
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(out.parent)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class Unpacked:
    """An archive whose every file matched the manifest, unpacked into `folder`."""

    folder: Path
    info: BackupInfo
    evidence: tuple[str, ...]
    """The SHA-256 of each evidence file it holds."""

    @property
    def database_file(self) -> Path:
        return self.folder / DATABASE_FILES[self.info.database]


def unpack(archive: Path, folder: Path) -> Unpacked:
    """Unpack `archive` into `folder` and check it against its manifest; refuse it, naming the problem,
    when anything is changed, missing, extra or unreadable."""
    if not archive.is_file():
        raise NotFound(f"there is no backup at {archive}")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            found = _extract(tar, folder)
        return _checked(folder, found)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        problem = f"it cannot be read, damaged or cut short ({exc})"
    except ValueError as exc:
        problem = str(exc)
    raise BadInput(f"backup {archive.name} does not check: {problem}; nothing was restored")


def _extract(tar: tarfile.TarFile, folder: Path) -> dict[str, str]:
    """Each file's name and the SHA-256 of what was read. Only the names a backup holds are taken, each
    once, as plain files: nothing in an archive can write outside `folder`."""
    found: dict[str, str] = {}
    for member in tar:
        name = member.name.removeprefix("./").rstrip("/")
        if member.isdir() and (name in ("", ".") or _FOLDER.fullmatch(name)):
            continue
        if not _NAME.fullmatch(name) or not member.isfile():
            raise ValueError(f"it holds '{name}', which is no part of a Redress backup")
        if name in found:
            raise ValueError(f"it holds '{name}' twice")
        source = tar.extractfile(member)
        assert source is not None  # a regular file always has a reader
        found[name] = _copy(source, folder / name)
    return found


def _copy(source: IO[bytes], target: Path) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _checked(folder: Path, found: dict[str, str]) -> Unpacked:
    if found.pop(MANIFEST, None) is None:
        raise ValueError(f"it has no {MANIFEST}")
    listed = parse_manifest((folder / MANIFEST).read_text(encoding="utf-8", errors="replace"))
    for name, digest in listed.items():
        if name not in found:
            raise ValueError(f"{name} is in the manifest but missing from the archive")
        if found[name] != digest:
            raise ValueError(f"{name} does not match its SHA-256 in the manifest (changed or damaged)")
    for name in found:
        if name not in listed:
            raise ValueError(f"{name} is in the archive but not in the manifest")
    if INFO not in found:
        raise ValueError(f"it has no {INFO}")
    info = BackupInfo.from_json((folder / INFO).read_bytes())
    if DATABASE_FILES[info.database] not in found:
        raise ValueError(f"it has no {DATABASE_FILES[info.database]}")
    evidence = tuple(sorted(name.rsplit("/", 1)[1] for name in found if name.startswith("evidence/")))
    if len(evidence) != info.counts.get("evidence_files"):
        raise ValueError(f"it holds {len(evidence)} evidence files where {INFO} says {info.counts.get('evidence_files')}")
    return Unpacked(folder, info, evidence)


def parse_manifest(text: str) -> dict[str, str]:
    listed: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE.fullmatch(line)
        if not match or match[2] == MANIFEST or match[2] in listed:
            raise ValueError(f"line {number} of {MANIFEST} is not '<sha256>  <name>' of a file named once")
        listed[match[2]] = match[1]
    return listed


def describe(info: BackupInfo) -> dict[str, Any]:
    """backup.json's values, for `--json` output."""
    return json.loads(info.to_json())  # type: ignore[no-any-return]
