"""Run the real `redress` command as a subprocess, as a person would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import SCHOOL, WORKFLOW


@dataclass
class Result:
    code: int
    out: str
    err: str


class Redress:
    """`redress ...` in its own folder, against one database."""

    def __init__(self, folder: Path, database_url: str, **env: str):
        self.folder = folder
        self.database_url = database_url
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("REDRESS_")},
            "REDRESS_DATABASE_URL": database_url,
            "REDRESS_DATA_DIR": str(folder / "data"),
            "REDRESS_WORKFLOW": str(WORKFLOW),
            **env,
        }

    @classmethod
    def bare(cls, folder: Path, **env: str) -> Redress:
        """`redress ...` as a newcomer runs it: in `folder`, with no REDRESS_* setting but those in `env`
        (the database, the data folder and the workflow all at their defaults, relative to `folder`)."""
        redress = cls(folder, "sqlite:///./redress.db")
        redress.env = {**{k: v for k, v in os.environ.items() if not k.startswith("REDRESS_")}, **env}
        return redress

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "redress", *args]

    def __call__(self, *args: str, ok: bool = True) -> Result:
        done = subprocess.run(self.command(*args), cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=120)
        result = Result(done.returncode, done.stdout, done.stderr)
        if ok:
            assert done.returncode == 0, f"redress {' '.join(args)} failed: {done.stderr}"
        return result

    def school(self) -> Redress:
        """`redress init` and the school's people, as a person would add them: for a test whose subject is
        the database itself (backup, people), where a copied template would hide what it tests."""
        self("init")
        for name, email, roles in SCHOOL:
            self("people", "add", "--name", name, "--email", email, *(arg for role in roles for arg in ("--role", role)))
        return self

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args), cwd=self.folder, env=self.env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
