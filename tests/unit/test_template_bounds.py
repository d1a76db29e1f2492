"""A school's override templates are bounded in time and size, and read only from their own folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifications import TemplateRenderer, sample_context
from redress.cli.common import plain

ABUSES = {
    "nested_loop": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "string_times": "{{ ('a' * 1000000000)|length }}",
    "wide_center": "{{ 'a'|center(1000000000) }}",
    "wide_format": "{{ '%1000000000d' % 1 }}",
    "huge_power": "{{ 10 ** 100000 }}",
    "endless_output": "{% for i in range(100000) %}{{ 'abcdefghij' }}{% endfor %}",
    "recursion": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
}


def _email(folder: Path, name: str, text: str) -> None:
    (folder / f"{name}.subject.txt").write_text("Subject")
    (folder / f"{name}.txt").write_text(text)
    (folder / f"{name}.html").write_text("<p>x</p>")


STOPPED_BY = {
    "nested_loop": "took longer than 2 seconds",
    "string_times": "multiplies a value to 1000000000 characters",
    "wide_center": "the number 1000000000 is too large",
    "wide_format": "width of 10,000 characters or more",
    "huge_power": "the power 100000 is too large",
    "endless_output": "output passed 200000 characters",
    "recursion": "maximum recursion depth exceeded",
}
"""The bound that stops each abuse: the refusal names it (the deadline, not the clock of the test, says a loop
ran too long)."""


def test_every_abuse_is_refused_by_its_bound_naming_its_template(tmp_path: Path) -> None:
    for name, text in ABUSES.items():
        _email(tmp_path, name, text)
    problems = TemplateRenderer(tmp_path).check(sample_context())
    for name, bound in STOPPED_BY.items():
        assert any(p.startswith(f"template {name}.txt") and bound in p for p in problems), (name, problems)


def test_a_symlink_or_a_path_outside_the_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    _email(folder, "leak", "x")
    (folder / "leak.txt").unlink()
    (folder / "leak.txt").symlink_to("/etc/passwd")
    renderer = TemplateRenderer(folder)
    problems = renderer.check(sample_context())
    assert any("leak.txt is a symbolic link" in p for p in problems)
    with pytest.raises(Exception, match="symbolic link"):
        renderer.render("leak", sample_context())


def test_an_ordinary_template_renders_as_before(tmp_path: Path) -> None:
    _email(tmp_path, "hello", "{% for c in case.categories %}{{ c }} {% endfor %}{{ '%5d' % 3 }}")
    assert TemplateRenderer(tmp_path).render("hello", sample_context()).text.startswith("Allegation")


def test_the_command_line_shows_control_characters_as_escapes() -> None:
    assert plain("red\x1b[31m bell\x07 ok\nnext\tcol") == "red\\x1b[31m bell\\x07 ok\nnext\tcol"


def test_render_within_falls_back_only_for_a_missing_value_and_names_any_other_error_with_its_line(tmp_path: Path) -> None:
    """render_within's first try skips Jinja's traceback rewriting: a missing value still gets the fallback, every
    abuse is still refused naming its template, and another error still names the file and the line."""
    from notifications import TemplateError

    for name, text in ABUSES.items():
        _email(tmp_path, name, text)
    _email(tmp_path, "needs_more", "Hello\n{{ case.summary }}\n")
    _email(tmp_path, "fallback", "Something happened\n")
    _email(tmp_path, "bad_filter", "line one\nline two\n{{ case.id|join(', ') }}\n")
    renderer = TemplateRenderer(tmp_path)
    context = {k: v for k, v in sample_context().items() if k != "case"} | {"case": {"id": 42}}

    assert renderer.render_within("needs_more", context, "fallback").text == "Something happened\n"
    for name in ABUSES:
        with pytest.raises(TemplateError, match=name):
            renderer.render_within(name, context, "fallback")
    with pytest.raises(TemplateError) as refused:
        renderer.render_within("bad_filter", context, "fallback")
    assert "bad_filter.txt" in str(refused.value) and refused.value.line == 3
