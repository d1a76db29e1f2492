"""A stored workflow version's validated spec is kept between processes (engine/spec_cache.py): loaded only
when its MAC checks out under this installation's key, never when tampered with or written under another."""

from __future__ import annotations

import stat

import pytest
from pydantic import SecretStr

import workflows
from engine import spec_cache
from engine.queries import cases as queries
from tests.integration.helpers import open_case


def _cache_files(app):
    return sorted((app.data_dir / spec_cache.FOLDER).glob("*.spec"))


def _parses(monkeypatch) -> list[str]:
    parsed: list[str] = []
    real = workflows.read_text

    def counting(text: str, file: str = "workflows.yaml") -> workflows.Loaded:
        parsed.append(file)
        return real(text, file)

    monkeypatch.setattr(workflows, "read_text", counting)
    return parsed


def test_a_second_process_reads_the_kept_spec_and_shows_the_same_case(app, monkeypatch):
    case_id = open_case(app)
    app._compiled.clear()
    first = queries.show_case(app, case_id)
    [kept] = _cache_files(app)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    parsed_spec = next(iter(app._compiled.values())).spec
    app._compiled.clear()  # as a new process would start
    parsed = _parses(monkeypatch)
    again = queries.show_case(app, case_id)
    assert parsed == [] and again == first
    assert next(iter(app._compiled.values())).spec == parsed_spec


@pytest.mark.parametrize("where", ["mac", "pickle"])
def test_a_tampered_file_is_never_unpickled_and_the_yaml_is_parsed_again(app, monkeypatch, where):
    case_id = open_case(app)
    app._compiled.clear()
    expected = queries.show_case(app, case_id)
    [kept] = _cache_files(app)
    content = bytearray(kept.read_bytes())
    content[0 if where == "mac" else len(content) // 2] ^= 0xFF
    kept.write_bytes(bytes(content))
    app._compiled.clear()
    monkeypatch.setattr(spec_cache.pickle, "loads", lambda blob: pytest.fail("a file that failed its MAC was unpickled"))
    parsed = _parses(monkeypatch)
    assert queries.show_case(app, case_id) == expected
    assert len(parsed) == 1


def test_a_file_written_under_another_key_is_not_loaded(app, monkeypatch):
    open_case(app)
    app._compiled.clear()
    app.current_workflow()
    app._compiled.clear()
    app.settings = app.settings.model_copy(update={"integrity_key": SecretStr("another installation's key " * 3)})
    parsed = _parses(monkeypatch)
    app.current_workflow()
    assert len(parsed) == 1


def test_without_a_key_nothing_is_kept(app, monkeypatch):
    for kept in _cache_files(app):  # written while the fixture set the school up
        kept.unlink()
    monkeypatch.setattr(spec_cache, "read_key", lambda settings: None)
    app._compiled.clear()
    app.current_workflow()
    assert _cache_files(app) == []
