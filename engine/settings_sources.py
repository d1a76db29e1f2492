"""Where settings come from: the TOML file and the `REDRESS_*` environment, read into plain values.

Each reader returns `{setting: (raw value, source label)}`; `engine.config` layers them over the
defaults and validates the result. Every problem becomes one `BadInput` that names the file or
variable and says what to do.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path

from engine.errors import BadInput

CONFIG_FILE = "redress.toml"
CONFIG_ENV = "REDRESS_CONFIG"
ENV_PREFIX = "REDRESS_"
DOCS = "docs/configuration.md"

Layer = dict[str, tuple[object, str]]
"""setting name -> (raw value, where it came from)"""

_TOML_POSITION = re.compile(r"^(?P<what>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")


def env_name(setting: str) -> str:
    return ENV_PREFIX + setting.upper()


def did_you_mean(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name.lower(), list(known), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else f"the settings are listed in {DOCS}"


def config_file(environ: Mapping[str, str], cwd: Path) -> Path | None:
    """The file to read: $REDRESS_CONFIG (which must exist), else ./redress.toml if there is one."""
    named = environ.get(CONFIG_ENV, "").strip()
    if named:
        path = Path(named).expanduser()
        path = path if path.is_absolute() else cwd / path
        if not path.is_file():
            raise BadInput(
                f"{CONFIG_ENV} names {named}, which is not a file: create it, or unset {CONFIG_ENV} to use ./{CONFIG_FILE}"
            )
        return path
    default = cwd / CONFIG_FILE
    return default if default.exists() else None


def file_label(path: Path, cwd: Path) -> str:
    """How a config file is named in sources and messages: relative to the current directory when inside it."""
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def _parse_toml(path: Path, label: str) -> dict[str, object]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.match(str(exc))
        where = f"{label}:{match['line']}:{match['col']}" if match else label
        what = match["what"] if match else str(exc)
        raise BadInput(f'{where}: {what}: fix the TOML syntax (strings need quotes, e.g. timezone = "Europe/London")') from exc
    except UnicodeDecodeError as exc:
        raise BadInput(f"{label}: not UTF-8 text (byte {exc.start}): save the file as UTF-8") from exc
    except OSError as exc:
        raise BadInput(f"{label}: cannot read the file ({exc.strerror}): check it exists and is readable") from exc


def read_file(path: Path, label: str, known: Collection[str]) -> Layer:
    """Read a TOML config file; refuse keys that are not settings."""
    data = _parse_toml(path, label)
    for key in data:
        if key not in known:
            raise BadInput(f"{label}: unknown setting '{key}': {did_you_mean(key, known)}")
    return {key: (value, label) for key, value in data.items()}


_KEY_LINE = re.compile(r"^\s*(?:\[\[?\s*)?[\"']?(?P<key>[A-Za-z0-9_-]+)[\"']?\s*(?:=|\]\]?)")


def key_lines(path: Path) -> dict[str, int]:
    """The line each top-level setting is written on, so a refusal can say `redress.toml:4`."""
    lines: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # already read once; a failure now only costs the line numbers
        return lines
    for number, line in enumerate(text.splitlines(), start=1):
        match = _KEY_LINE.match(line)
        if match:
            lines.setdefault(match["key"], number)
    return lines


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _typo_of(variable: str, known: Collection[str]) -> str | None:
    """The known name `variable` is a slip of the keyboard for: nearly the same letters, nearly the same length."""
    lengths = [name for name in known if abs(len(name) - len(variable)) <= 2]
    close = difflib.get_close_matches(variable, lengths, n=1, cutoff=0.85)
    return close[0] if close else None


def read_env(environ: Mapping[str, str], known: Collection[str], lists: Collection[str]) -> Layer:
    """Read `REDRESS_<SETTING>` variables; comma-separated for list settings; empty ones are ignored.

    A `REDRESS_*` variable that is not a setting but is spelt almost like one is taken for a typo and
    refused; others (REDRESS_TEST_DATABASE_URL, say) are left alone, as tests and tools may use the prefix.
    """
    layer: Layer = {}
    by_env = {env_name(name): name for name in known}
    for variable, text in environ.items():
        if not variable.startswith(ENV_PREFIX) or variable == CONFIG_ENV or not text.strip():
            continue
        name = by_env.get(variable)
        if name is None:
            typo = _typo_of(variable, by_env)
            if typo:
                raise BadInput(f"environment variable {variable} is not a setting: did you mean {typo}?")
            continue
        layer[name] = (_split(text) if name in lists else text.strip(), f"env {variable}")
    return layer
