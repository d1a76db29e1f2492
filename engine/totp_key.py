"""The key that seals the authenticator (TOTP) secrets in the database (store.sealed): kept outside it, so a
copy of the database alone reveals none of them.

`totp_key` in the settings (a deployment's secret store), or `totp.key` in the data folder (0600), made once
by `redress init`. Never printed, never stored in the database. Lost, the secrets cannot be opened: everyone
enrols their authenticator again.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from engine.integrity_key import key_from, made_key
from engine.settings import Settings
from store import sealed

KEY_FILE = "totp.key"


def key_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / KEY_FILE


def install_totp_key(settings: Settings, engine: Engine, *, create: bool = False) -> bytes | None:
    """Seal and open the secrets read and written through `engine` with the key in force (made first when `create`)."""
    key = made_key(settings.totp_key, key_path(settings)) if create else key_from(settings.totp_key, key_path(settings))
    if key is not None:
        sealed.use_key(engine, key)
    return key
