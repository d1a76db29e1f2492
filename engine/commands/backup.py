"""`redress backup` and `redress restore`: the database and the evidence files in one checked archive.

A backup copies the database first (one consistent moment, see backup_db) and then the evidence
files that copy refers to, each checked against its SHA-256 as it is read (invariant 5): a file
added after the copy is not needed, and a file missing or changed on disk stops the backup rather
than leave an archive that cannot be restored whole.

A restore checks the whole archive against its manifest before it writes anything, refuses a
database that is not empty unless told to replace it, puts back the evidence files and then the
database, and checks what it restored: the counts of backup.json, every case's audit trail, every
evidence file.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from pydantic import SecretStr
from sqlalchemy import select

from engine.commands import backup_db as db
from engine.commands.backup_archive import BackupInfo, Unpacked, sha256_of, unpack, write_archive
from engine.commands.records import evidence_path, store_file
from engine.context import Redress
from engine.errors import BadInput, Refused
from engine.integrity_key import made_key
from engine.totp_key import KEY_FILE as TOTP_KEY_FILE
from store import Case, Database, audit, sealed
from store.migrate import MIGRATIONS, is_current, upgrade


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str
    info: BackupInfo


@dataclass(frozen=True)
class RestoreResult:
    info: BackupInfo
    database: str
    data_dir: Path
    cases_verified: int
    upgraded: bool


def _redress_version() -> str:
    try:
        return version("redress")
    except PackageNotFoundError:
        return "unknown"


def default_name(at: datetime) -> str:
    return f"redress-backup-{at:%Y%m%dT%H%M%SZ}.tar.gz"


def take_backup(app: Redress, out: Path | None = None) -> BackupResult:
    """Write the archive to `out` (default: redress-backup-<UTC time>.tar.gz here), mode 0600."""
    created_at = app.clock.now()
    out = (out or Path(default_name(created_at))).absolute()
    if not out.parent.is_dir():
        raise BadInput(f"there is no folder {out.parent} to write the backup in")
    kind = db.kind_of(app.db.url)
    with tempfile.TemporaryDirectory(prefix=".redress-backup-", dir=out.parent) as private:
        copy = Path(private) / "database"
        facts = db.snapshot_sqlite(app.db.url, copy) if kind == "sqlite" else db.dump_postgres(app.db.url, copy)
        info = BackupInfo(_redress_version(), facts.revision, kind, created_at, facts.counts)
        with write_archive(out, created_at) as archive:
            archive.add_bytes("backup.json", info.to_json())
            archive.add_file(f"database.{'sqlite3' if kind == 'sqlite' else 'pgdump'}", copy)
            for sha in facts.evidence:
                archive.add_bytes(f"evidence/{sha[:2]}/{sha}", _evidence(app.data_dir, sha))
    return BackupResult(out, sha256_of(out), info)


def _evidence(data_dir: Path, sha: str) -> bytes:
    path = evidence_path(data_dir, sha)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise db.BackupFailed(f"evidence file {path} cannot be read ({exc.strerror}): the backup would be incomplete, "
                              "so none was written") from exc  # fmt: skip
    if hashlib.sha256(content).hexdigest() != sha:
        raise db.BackupFailed(f"evidence file {path} no longer matches its SHA-256: the backup would carry a damaged file, "
                              "so none was written")  # fmt: skip
    return content


def restore_backup(
    archive: Path, database_url: str, data_dir: Path, *, force: bool = False, totp_key: SecretStr | None = None
) -> RestoreResult:
    """Restore `archive` to `database_url` and `data_dir`. Nothing is written unless every check passes.
    `totp_key`: the setting, if the deployment sets it; else the key is `data_dir/totp.key` (made if missing:
    an older backup's authenticator secrets are sealed with it as its schema is upgraded)."""
    with tempfile.TemporaryDirectory(prefix=".redress-restore-") as private:
        unpacked = unpack(archive, Path(private))
        kind = _check_target(unpacked.info, database_url, force=force)
        _put_back_evidence(unpacked, data_dir)
        if kind == "sqlite":
            db.restore_sqlite(unpacked.database_file, database_url)
        else:
            db.restore_postgres(unpacked.database_file, database_url, replace=force)
    return _verify(unpacked.info, database_url, data_dir, totp_key)


def _check_target(info: BackupInfo, url: str, *, force: bool) -> str:
    kind = db.kind_of(url)
    if kind != info.database:
        raise BadInput(f"this is a backup of a {info.database} database and {db.shown(url)} is {kind}: "
                       f"restore it to a {info.database} database")  # fmt: skip
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    try:
        known = all(scripts.get_revision(rev) is not None for rev in info.schema_revision.split(","))
    except CommandError:
        known = False
    if not known:
        raise BadInput(f"this backup's schema ({info.schema_revision}) is newer than this Redress ({_redress_version()}) "
                       f"knows: restore it with Redress {info.redress_version} or later")  # fmt: skip
    held = db.sqlite_holds(url) if kind == "sqlite" else db.postgres_holds(url)
    if held and not force:
        raise Refused(f"{db.shown(url)} is not empty (it has {held}): restore into an empty database, "
                      "or give --force to replace what it holds")  # fmt: skip
    return kind


def _put_back_evidence(unpacked: Unpacked, data_dir: Path) -> None:
    """Evidence first, then the database: a database that is back always finds its files."""
    for sha in unpacked.evidence:
        target = evidence_path(data_dir, sha)
        if target.is_file() and sha256_of(target) == sha:
            continue
        target.unlink(missing_ok=True)  # a damaged copy is replaced, never trusted
        store_file(data_dir, (unpacked.folder / "evidence" / sha[:2] / sha).read_bytes())


def _verify(info: BackupInfo, url: str, data_dir: Path, totp_key: SecretStr | None) -> RestoreResult:
    database = Database(url)
    try:
        upgraded = not is_current(database.engine)
        if upgraded:
            sealed.use_key(database.engine, made_key(totp_key, data_dir / TOTP_KEY_FILE))
            upgrade(database.engine)
        with database.engine.connect() as connection:
            facts = db.read_facts(connection)
        if facts.counts != info.counts:
            raise db.BackupFailed(f"restored, but the counts {facts.counts} differ from the backup's {info.counts}")
        with database.reading() as session:
            case_ids = list(session.scalars(select(Case.id).order_by(Case.id)))
            for case_id in case_ids:
                check = audit.verify(session, case_id)
                if not check.ok:
                    raise db.BackupFailed(f"restored, but the audit trail of case {case_id} does not verify: {check.reason}")
        for sha in facts.evidence:
            path = evidence_path(data_dir, sha)
            if not path.is_file() or sha256_of(path) != sha:
                raise db.BackupFailed(f"restored, but evidence file {path} is missing or does not match its SHA-256")
    finally:
        database.dispose()
    return RestoreResult(info, db.shown(url), data_dir, len(case_ids), upgraded)
