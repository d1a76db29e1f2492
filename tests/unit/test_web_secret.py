"""The key that signs session cookies: from the environment, or made once and kept, readable by its owner only."""

from __future__ import annotations

import stat
from pathlib import Path

from engine.settings import Settings
from web.security import secret_key


def test_a_key_is_made_on_first_use_kept_private_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = secret_key(settings)
    kept = tmp_path / "data" / "secret_key"
    assert len(first) >= 40 and kept.read_text() == first
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert secret_key(settings) == first


def test_the_configured_key_wins_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key="from-the-environment-0123456789abcdef")  # type: ignore[arg-type]
    assert secret_key(settings) == "from-the-environment-0123456789abcdef"
    assert not (tmp_path / "data").exists()
