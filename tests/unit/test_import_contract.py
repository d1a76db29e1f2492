"""The import contract (.importlinter) catches a bad arrow, and the real tree keeps it.

Each check runs `lint-imports` as `make lint` does, with the repository's own .importlinter, in a
temporary folder: first on a small model of the layout the contracts describe (so the contracts
themselves are proved whether or not the code has reached that layout), then on a copy of the
repository's packages, unchanged and with one forbidden import added.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed (make setup)")


def _config() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    return parser


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def root_packages() -> list[str]:
    return _lines(_config()["importlinter"]["root_packages"])


def contract_name(key: str) -> str:
    return _config()[f"importlinter:contract:{key}"]["name"]


def internal_modules() -> set[str]:
    """Every module of ours that a contract names: each must exist for lint-imports to check anything."""
    roots = set(root_packages())
    names = set(roots)
    for section in _config().sections():
        if not section.startswith("importlinter:contract:"):
            continue
        contract = _config()[section]
        for field in ("layers", "source_modules", "forbidden_modules"):
            for line in _lines(contract.get(field, "")):
                names.update(part.strip() for part in line.split("|"))
    return {name for name in names if name.split(".")[0] in roots}


def module_file(tree: Path, module: str) -> Path | None:
    base = tree.joinpath(*module.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.exists():
            return candidate
    return None


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    shutil.copy(CONFIG, tree / ".importlinter")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "250", "NO_COLOR": "1"},
    )


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def assert_kept(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert " broken" in result.stdout and "0 broken" in result.stdout, result.stdout


def assert_broken(result: subprocess.CompletedProcess[str], key: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert f"{_flat(contract_name(key))} BROKEN" in _flat(output), output
    assert "Could not find package" not in output and "does not exist" not in output, output


def add_import(tree: Path, module: str, statement: str) -> None:
    path = module_file(tree, module)
    assert path is not None, f"{module} is not in the tree"
    path.write_text(path.read_text() + f"\n{statement}  # the bad arrow under test\n")


# ---------------------------------------------------------------------------------------------
# A model of the layout: one module per name in the contracts, wired the way the architecture allows.

ALLOWED = {
    "redress": ["web", "engine", "notifications", "store", "workflows"],
    "web": ["engine", "workflows.render"],
    "engine": ["engine.commands", "engine.queries", "engine.report", "engine.worker", "engine.context"],
    "engine.commands": ["engine.rules", "engine.settings", "store", "notifications", "sqlalchemy"],
    "engine.queries": ["store", "sqlalchemy"],
    "engine.rules": ["workflows"],
    "notifications": ["store"],
    "store": ["sqlalchemy"],
    "workflows": [],
    "workflows.render": ["workflows"],
}


@pytest.fixture
def model(tmp_path: Path) -> Path:
    for module in sorted(internal_modules() | set(ALLOWED)):
        folder = tmp_path.joinpath(*module.split("."))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text("".join(f"import {name}\n" for name in ALLOWED.get(module, [])))
    return tmp_path


def test_the_model_of_the_layout_keeps_every_contract(model: Path) -> None:
    assert_kept(lint_imports(model))


BAD_EDGES = [
    ("engine.rules", "import sqlalchemy", "rules-pure"),
    ("engine.rules", "import store", "rules-pure"),
    ("engine.rules", "import engine", "rules-pure"),  # reaches engine.commands through the face
    ("web", "import store", "web-no-storage"),
    ("web", "import sqlalchemy", "web-no-storage"),
    ("web", "import notifications", "web-no-storage"),
    ("web", "from engine.commands import x", "web-face-only"),
    ("web", "import engine.settings", "web-face-only"),
    ("engine", "import web", "layers"),
    ("notifications", "import engine", "layers"),
    ("store", "import workflows", "layers"),
    ("workflows", "import store", "layers"),
]


@pytest.mark.parametrize(("module", "statement", "contract"), BAD_EDGES)
def test_each_contract_catches_its_bad_arrow_in_the_model(model: Path, module: str, statement: str, contract: str) -> None:
    add_import(model, module, statement)
    assert_broken(lint_imports(model), contract)


# ---------------------------------------------------------------------------------------------
# The repository's own packages.


def _copy_repository(tmp_path: Path) -> Path:
    tree = tmp_path / "repo"
    tree.mkdir()
    for package in root_packages():
        if (ROOT / package).is_dir():
            shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    missing = sorted(module for module in internal_modules() if module_file(tree, module) is None)
    if missing:
        pytest.skip(f"the tree is not yet in the layout the contracts describe (missing: {', '.join(missing)})")
    return tree


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    return _copy_repository(tmp_path)


def test_the_repository_keeps_every_contract(repository: Path) -> None:
    assert_kept(lint_imports(repository))


@pytest.mark.parametrize(
    ("module", "statement", "contract"),
    [("engine.rules", "import sqlalchemy", "rules-pure"), ("web", "import store", "web-no-storage")],
)
def test_a_forbidden_import_in_the_repository_breaks_its_contract(
    repository: Path, module: str, statement: str, contract: str
) -> None:
    add_import(repository, module, statement)
    assert_broken(lint_imports(repository), contract)
