"""Files and folders Redress creates are private to the user it runs as (folders 0700, files 0600)."""

from __future__ import annotations

import os
from pathlib import Path


def private_folder(path: Path) -> None:
    """Create `path` and any missing parents readable by this user only; existing folders are left alone."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is masked by the umask


def private_new_file(path: Path) -> None:
    """Create an empty file only this user may read (0600); FileExistsError if it is there."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
