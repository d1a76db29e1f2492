"""Backups taken while Redress is busy restore whole, on a real SQLite file and a real PostgreSQL server;
an archive that does not match its manifest is refused and nothing is written."""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import tarfile
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from engine.commands import records
from engine.commands.backup import restore_backup, take_backup
from engine.commands.backup_db import BackupFailed, find_pg_tool
from engine.context import Redress, open_app
from engine.errors import BadInput, Refused
from engine.queries.cases import verify_trail
from engine.settings import Settings
from engine.worker.firing import fire_due
from store import AuditEvent, Case, Evidence
from tests.conftest import HEAD, WORKFLOW, make_app
from tests.integration.helpers import act, open_case

_restored = itertools.count()


@pytest.fixture
def empty_url(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> str:
    """A second, empty database of the same kind as `database_url`, to restore into."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored' / 'redress.db'}"
    return str(request.getfixturevalue("pg_server").create_database(f"restored_{os.getpid()}_{next(_restored)}"))


def add_case_with_evidence(app: Redress, n: int) -> int:
    case_id = open_case(app, summary=f"post number {n}")
    records.add_evidence_file(app, case_id, HEAD, f"screenshot {n}".encode(), f"shot{n}.png")
    return case_id


class BusySchool(threading.Thread):
    """Another connection that keeps opening cases, adding evidence, acting and firing deadlines, with
    its clock six hours further on each round: what the web app and the worker do while a backup runs."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        super().__init__(daemon=True)
        self.app = make_app(database_url, tmp_path)
        self.rounds = 0
        self.error: BaseException | None = None
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                case_id = add_case_with_evidence(self.app, 1000 + self.rounds)
                act(self.app, case_id, "acknowledge", staff_reassured="yes")
                self.app.clock.set(self.app.clock.now() + timedelta(hours=6))  # type: ignore[attr-defined]
                fire_due(self.app)
                self.rounds += 1
        except BaseException as exc:
            self.error = exc
        finally:
            self.app.close()

    def wait_rounds(self, more: int) -> None:
        target = self.rounds + more
        while self.rounds < target and self.error is None and self.is_alive():
            self.stopping.wait(0.01)
        assert self.error is None, f"the busy school failed: {self.error!r}"


def restored_app(url: str, data_dir: Path) -> Redress:
    return open_app(Settings(database_url=url, data_dir=data_dir, workflow=WORKFLOW))  # type: ignore[call-arg]


def counts(app: Redress) -> dict[str, int]:
    with app.db.reading() as session:
        files = session.scalar(select(func.count(Evidence.sha256.distinct())).where(Evidence.kind == "file"))
        return {
            "cases": int(session.scalar(select(func.count()).select_from(Case)) or 0),
            "events": int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0),
            "evidence_files": int(files or 0),
        }


def test_backup_taken_while_cases_move_and_deadlines_fire_restores_whole(app, database_url, empty_url, tmp_path):
    for n in range(3):
        add_case_with_evidence(app, n)
    busy = BusySchool(database_url, tmp_path)
    busy.start()
    try:
        busy.wait_rounds(3)
        result = take_backup(app, tmp_path / "backup.tar.gz")
        busy.wait_rounds(2)  # and it went on after the backup: those cases are not in it
    finally:
        busy.stopping.set()
        busy.join(timeout=60)
    assert busy.error is None, f"the busy school failed: {busy.error!r}"
    assert result.path.stat().st_mode & 0o777 == 0o600
    assert counts(app)["cases"] > result.info.counts["cases"] >= 6

    restored = restore_backup(result.path, empty_url, tmp_path / "restored-data")

    assert restored.cases_verified == result.info.counts["cases"]
    copy = restored_app(empty_url, tmp_path / "restored-data")
    try:
        assert counts(copy) == {k: result.info.counts[k] for k in ("cases", "events", "evidence_files")}
        with copy.db.reading() as session:
            case_ids = list(session.scalars(select(Case.id)))
            shas = set(session.scalars(select(Evidence.sha256).where(Evidence.kind == "file")))
        assert all(verify_trail(copy, case_id).ok for case_id in case_ids)
        for sha in shas:
            content = records.evidence_path(copy.data_dir, sha).read_bytes()
            assert hashlib.sha256(content).hexdigest() == sha
    finally:
        copy.close()


def rewrite(archive: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """A copy of the archive with each file passed through `change` (None drops the file)."""
    tampered = archive.with_name("tampered.tar.gz")
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source:
            reader = source.extractfile(member)
            assert reader is not None
            content = change(member.name, reader.read())
            if content is not None:
                member.size = len(content)
                target.addfile(member, io.BytesIO(content))
    return tampered


def flip_first_byte_of_evidence(name: str, content: bytes) -> bytes:
    return bytes([content[0] ^ 1]) + content[1:] if name.startswith("evidence/") else content


def drop_manifest_line_of_evidence(name: str, content: bytes) -> bytes:
    if name != "MANIFEST.sha256":
        return content
    lines = content.decode().splitlines(keepends=True)
    return "".join(line for line in lines if "evidence/" not in line).encode()


def truncate(archive: Path) -> Path:
    cut = archive.with_name("cut.tar.gz")
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return cut


def assert_nothing_written(url: str, data_dir: Path) -> None:
    assert not data_dir.exists()
    if url.startswith("sqlite"):
        assert not Path(url.removeprefix("sqlite:///")).exists()
    else:
        copy = restored_app(url, data_dir)
        try:
            with copy.db.engine.connect() as connection:
                assert inspect(connection).get_table_names() == []
        finally:
            copy.close()


@pytest.mark.parametrize(
    ("spoil", "problem"),
    [
        (lambda a: rewrite(a, flip_first_byte_of_evidence), "does not match its SHA-256 in the manifest"),
        (lambda a: rewrite(a, drop_manifest_line_of_evidence), "is in the archive but not in the manifest"),
        (lambda a: rewrite(a, lambda n, c: None if n.startswith("evidence/") else c), "is in the manifest but missing"),
        (truncate, "cannot be read, damaged or cut short"),
    ],
    ids=["evidence-byte-changed", "manifest-line-removed", "evidence-file-removed", "truncated"],
)
def test_an_archive_that_does_not_match_its_manifest_is_refused_and_nothing_is_written(app, empty_url, tmp_path, spoil, problem):
    add_case_with_evidence(app, 1)
    archive = spoil(take_backup(app, tmp_path / "backup.tar.gz").path)
    with pytest.raises(BadInput, match=problem) as refused:
        restore_backup(archive, empty_url, tmp_path / "restored-data")
    assert "\n" not in str(refused.value) and "nothing was restored" in str(refused.value)
    assert_nothing_written(empty_url, tmp_path / "restored-data")


def test_a_database_that_is_not_empty_is_replaced_only_when_forced(app, database_url, tmp_path):
    case_id = add_case_with_evidence(app, 1)
    archive = take_backup(app, tmp_path / "backup.tar.gz").path
    act(app, case_id, "acknowledge", staff_reassured="yes")
    events_after_backup = counts(app)["events"]
    app.close()

    with pytest.raises(Refused, match=r"is not empty .*--force"):
        restore_backup(archive, database_url, tmp_path / "data")
    live = restored_app(database_url, tmp_path / "data")
    try:
        assert counts(live)["events"] == events_after_backup
    finally:
        live.close()

    restored = restore_backup(archive, database_url, tmp_path / "data", force=True)
    assert restored.info.counts["events"] < events_after_backup


def test_a_backup_refuses_to_carry_an_evidence_file_changed_on_disk(app, tmp_path):
    case_id = add_case_with_evidence(app, 1)
    with app.db.reading() as session:
        sha = session.scalars(select(Evidence.sha256).where(Evidence.case_id == case_id, Evidence.kind == "file")).one()
    assert sha is not None
    records.evidence_path(app.data_dir, sha).write_bytes(b"not the screenshot")
    with pytest.raises(BackupFailed, match="no longer matches its SHA-256"):
        take_backup(app, tmp_path / "backup.tar.gz")
    assert list(tmp_path.glob("*backup.tar.gz*")) == []


def test_a_missing_postgresql_tool_is_one_clear_line(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr("glob.glob", lambda pattern: [])
    with pytest.raises(BackupFailed, match=r"^pg_dump was not found on PATH or in /usr/lib/postgresql/\*/bin: install"):
        find_pg_tool("pg_dump")
