"""The integrity key: kept outside the database, so write access to the database alone cannot sign.

`integrity_key` in the settings (a deployment's secret store), or `integrity.key` in the data folder
(0600), made once by `redress init`. Never printed, never stored in the database.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import Engine

from engine.files import private_folder
from engine.settings import Settings
from store import integrity

KEY_FILE = "integrity.key"


def key_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / KEY_FILE


def read_key(settings: Settings) -> bytes | None:
    """The key in force, or None when none was made yet (before `redress init`)."""
    return key_from(settings.integrity_key, key_path(settings))


def make_key(settings: Settings) -> bytes:
    """The key in force, made (0600, in the private data folder) when there is none yet."""
    return made_key(settings.integrity_key, key_path(settings))


def key_from(setting: SecretStr | None, path: Path) -> bytes | None:
    """A key kept outside the database: the setting when set, else the file at `path` if there is one."""
    if setting is not None:
        return setting.get_secret_value().strip().encode()
    return path.read_text().strip().encode() if path.is_file() else None


def made_key(setting: SecretStr | None, path: Path) -> bytes:
    """The key in force (`key_from`), made at `path` (0600, in a private folder) when there is none yet."""
    found = key_from(setting, path)
    if found is not None:
        return found
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip().encode()
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def install_key(settings: Settings, engine: Engine, *, create: bool = False) -> bytes | None:
    """Sign what is written through `engine` with the key in force (made first when `create`)."""
    key = make_key(settings) if create else read_key(settings)
    if key is not None:
        integrity.use_key(engine, key)
    return key
