"""Mangled workflow files: the loader either loads them or names every problem; it never crashes."""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

import workflows
from tests.conftest import WORKFLOW
from workflows import InvalidDefinition

SHIPPED = WORKFLOW.read_text(encoding="utf-8").splitlines(keepends=True)

YAML_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")

Lines = list[str]
Mutation = Callable[[Lines], Lines]

# Values a person might type by mistake, and values YAML reads as something other than text.
ODD_VALUES = [
    "",
    "~",
    "null",
    "[]",
    "{}",
    "[a, b]",
    "{a: 1}",
    "0",
    "-1",
    "1.5",
    "99999999999999999999",
    "yes",
    "off",
    "*",
    "'*'",
    '"',
    "'",
    "2024-02-30",
    "2024-02-29",
    "12:30:00",
    "!!binary x",
    "!!int abc",
    "!foo bar",
    "&anchor x",
    "*anchor",
    "<<: *anchor",
    "|",
    ">",
    "- x",
    "0 school days",
    "3 weeks",
    "1 school day",
    "system",
    "reported",
]
# Characters that mean something to YAML, and some that do not belong in a text file at all.
ALPHABET = st.sampled_from([*":{}[],-#&*!|>'\"%@`?\t\n \\", "\x00", "\x07", "\ufeff", "\u2028", "é", "x", "1"])


def _at(index: int, lines: Lines) -> int:
    return index % len(lines) if lines else 0


def delete(i: int) -> Mutation:
    return lambda lines: [line for n, line in enumerate(lines) if n != _at(i, lines)]


def duplicate(i: int) -> Mutation:
    return lambda lines: lines[: _at(i, lines) + 1] + lines[_at(i, lines) :] if lines else lines


def swap(i: int, j: int) -> Mutation:
    def apply(lines: Lines) -> Lines:
        if not lines:
            return lines
        out = list(lines)
        a, b = _at(i, lines), _at(j, lines)
        out[a], out[b] = out[b], out[a]
        return out

    return apply


def insert(i: int, column: int, chars: str) -> Mutation:
    def apply(lines: Lines) -> Lines:
        if not lines:
            return [chars]
        out = list(lines)
        line = out[_at(i, lines)]
        cut = column % (len(line) + 1)
        out[_at(i, lines)] = line[:cut] + chars + line[cut:]
        return out

    return apply


def indent(i: int, by: int) -> Mutation:
    def apply(lines: Lines) -> Lines:
        if not lines:
            return lines
        out = list(lines)
        line = out[_at(i, lines)]
        out[_at(i, lines)] = " " * by + line if by > 0 else line[min(-by, len(line) - len(line.lstrip(" "))) :]
        return out

    return apply


def replace_value(i: int, value: str) -> Mutation:
    def apply(lines: Lines) -> Lines:
        out = list(lines)
        candidates = [n for n, line in enumerate(lines) if ": " in line and not line.lstrip().startswith("#")]
        if candidates:
            n = candidates[i % len(candidates)]
            key = out[n].split(": ", 1)[0]
            out[n] = f"{key}: {value}\n"
        return out

    return apply


index = st.integers(min_value=0, max_value=10_000)
mutations = st.one_of(
    st.builds(delete, index),
    st.builds(duplicate, index),
    st.builds(swap, index, index),
    st.builds(insert, index, index, st.text(ALPHABET, min_size=1, max_size=4)),
    st.builds(indent, index, st.integers(min_value=-6, max_value=6)),
    # Listed twice: most mistakes in a real file are a wrong value, not a wrong line.
    st.builds(replace_value, index, st.sampled_from(ODD_VALUES)),
    st.builds(replace_value, index, st.sampled_from(ODD_VALUES) | st.text(max_size=12)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(mutations, min_size=1, max_size=4))
def test_mangled_workflow_loads_or_names_every_problem_with_its_place(changes: list[Mutation]) -> None:
    lines = list(SHIPPED)
    for change in changes:
        lines = change(lines)
    text = "".join(lines)
    try:
        workflows.load_text(text)
    except InvalidDefinition as exc:
        assert exc.problems, "an InvalidDefinition with no problem in it"
        last_line = len(YAML_LINE_BREAK.split(text))
        for problem in exc.problems:
            assert problem.file == "workflows.yaml"
            assert 1 <= problem.line <= last_line and problem.column >= 1, str(problem)
            assert problem.message.strip(), str(problem)
