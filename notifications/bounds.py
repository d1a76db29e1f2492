"""Limits on what a school's template may cost: time, size, and which files it may be read from.

Jinja's sandbox stops a template from reaching Python; it does not stop one from looping for hours or
building a gigabyte string. Here a render has a deadline (RENDER_SECONDS for one email or letter, all its
parts) and a budget (MAX_OUTPUT characters, for the output and for any one value it builds):

- every loop's iterable is wrapped (the template's syntax tree is rewritten at compile time) so each
  iteration checks the deadline: a nested loop is stopped, however little it prints;
- every call (a macro's, a method's, a filter's) and every operator checks the deadline; a call or filter
  given a number above MAX_OUTPUT (`'a'.center(10**9)`, `range(10**9)`) is refused, and so is a result
  longer than MAX_OUTPUT. Nothing else needs to: between two of those checks a template runs a stretch of
  its own source once (no loop, no recursion), so attribute and item lookups and the output's chunks do not
  check the clock (they did, at a tenth of a render's cost);
- `*`, `**` and `%` are checked before they run: `'a' * 1000000000` is refused without being built;
- the output is counted as it is produced.

A template that passes a limit raises RenderLimit (a Jinja SecurityError), which names the template.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

RENDER_SECONDS = 2.0
MAX_OUTPUT = 200_000
MAX_POWER = 64
_ITER = "__redress_bounded_iter"
_WIDE_FORMAT = re.compile(r"[0-9]{5,}")  # a width or precision of 10,000 and more, in % or {} formatting
_state = threading.local()


class RenderLimit(SecurityError):
    """A template took too long or grew too large."""


class UnsafeTemplate(jinja2.TemplateError):
    """An override template that is a symbolic link or lies outside its folder."""


@contextmanager
def within_limits(seconds: float = RENDER_SECONDS) -> Iterator[None]:
    """One deadline for everything rendered inside (the parts of one email); nested uses keep the outer one."""
    outer = getattr(_state, "deadline", None)
    if outer is None:
        _state.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        if outer is None:
            _state.deadline = None


def tick() -> None:
    deadline = getattr(_state, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise RenderLimit(f"the template took longer than {RENDER_SECONDS:g} seconds to render (a loop too long?)")


def _sized(value: Any) -> Any:
    if isinstance(value, (str, bytes, list, tuple)) and len(value) > MAX_OUTPUT:
        raise RenderLimit(f"the template built a value of {len(value)} items or characters: the limit is {MAX_OUTPUT}")
    return value


def _check_args(args: Iterable[Any]) -> None:
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_OUTPUT:
            raise RenderLimit(f"the number {arg} is too large for a template (the limit is {MAX_OUTPUT})")


def _bounded_iter(iterable: Any) -> Iterator[Any]:
    for item in iterable:
        tick()
        yield item


def _bounded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        tick()
        _check_args(args[1:])
        _check_args(kwargs.values())
        return _sized(function(*args, **kwargs))

    return bounded


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with a deadline and a size budget (see the module's docstring)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}
        self.globals[_ITER] = _bounded_iter
        self.globals.pop("lipsum", None)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Call(nodes.Name(_ITER, "load"), [loop.iter], [], None, None, lineno=loop.lineno)
        return tree

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        tick()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_OUTPUT:
                    raise RenderLimit(
                        f"the template multiplies a value to {len(seq) * times} characters: the limit is {MAX_OUTPUT}"
                    )
        elif operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_POWER:
            raise RenderLimit(f"the power {right} is too large for a template")
        elif operator == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
            raise RenderLimit("the template formats with a width of 10,000 characters or more")
        return _sized(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        tick()
        _check_args(args)
        _check_args(kwargs.values())
        return _sized(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        owner = getattr(value, "__self__", None)
        if isinstance(owner, str) and _WIDE_FORMAT.search(owner):
            raise RenderLimit("the template formats with a width of 10,000 characters or more")
        return super().wrap_str_format(value)


def render_bounded(template: jinja2.Template, context: Mapping[str, Any], *, plain_errors: bool = False) -> str:
    """Render within the current deadline (or a fresh one), counting the output as it is produced.
    `plain_errors`: an error is raised as the template's code raised it, without Jinja's rewriting of the
    traceback to point at the template's lines (for a caller that only asks which error it was)."""
    chunks = template.root_render_func(template.new_context(dict(context))) if plain_errors else template.generate(context)
    with within_limits():
        parts, size = [], 0
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise RenderLimit(f"the template's output passed {MAX_OUTPUT} characters")
            parts.append(chunk)
        return "".join(parts)


class OverrideLoader(jinja2.FileSystemLoader):
    """The school's override folder: a template there is read only if it is a regular file inside the folder."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.folder = folder

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = self.folder / template
        if path.exists() or path.is_symlink():
            self._check(path)
        return super().get_source(environment, template)

    def _check(self, path: Path) -> None:
        root = self.folder.resolve()
        if any(p.is_symlink() for p in (path, *path.parents) if p.is_relative_to(self.folder) and p != self.folder):
            raise UnsafeTemplate(f"{path} is a symbolic link: an override template must be a file in {self.folder}")
        if not path.resolve().is_relative_to(root):
            raise UnsafeTemplate(f"{path} lies outside {self.folder}: an override template must be a file in that folder")
        if not path.is_file():
            raise UnsafeTemplate(f"{path} is not a regular file")

    def unsafe_files(self) -> list[UnsafeTemplate]:
        """Every file in the folder that would be refused, for `workflow check`."""
        problems = []
        for path in sorted(self.folder.rglob("*")):
            if path.is_symlink() or path.is_file():
                try:
                    self._check(path)
                except UnsafeTemplate as exc:
                    problems.append(exc)
        return problems
