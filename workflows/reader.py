"""Read `workflows.yaml` into a validated spec, keeping every line and column.

PyYAML composes the document into nodes that carry marks; we turn the nodes into
plain data while recording where each key and value stood, then let pydantic check
the types. Every problem comes back at once as FILE:LINE:COL: message.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InvalidDefinition, Problem, did_you_mean
from .spec import NAME_PATTERN, Workflow

Loc = tuple[str | int, ...]
MAX_NODES = 50_000


@dataclass(frozen=True)
class Marks:
    """Where each value (and each mapping key) of the document stood."""

    file: str
    values: dict[Loc, tuple[int, int]]
    keys: dict[Loc, tuple[int, int]]

    def at(self, loc: Loc, message: str, *, key: bool = False) -> Problem:
        table = self.keys if key else self.values
        for end in range(len(loc), -1, -1):
            prefix = loc[:end]
            if prefix in table:
                line, col = table[prefix]
                return Problem(self.file, line, col, message)
            if prefix in self.values:
                line, col = self.values[prefix]
                return Problem(self.file, line, col, message)
        return Problem(self.file, 1, 1, message)


@dataclass(frozen=True)
class Loaded:
    spec: Workflow
    text: str
    marks: Marks


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.values: dict[Loc, tuple[int, int]] = {}
        self.keys: dict[Loc, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.count = 0
        self.active: set[int] = set()
        self.constructor = yaml.SafeLoader("")  # turns tagged scalars into int, bool, str, None

    def problem(self, node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.file, mark.line + 1, mark.column + 1, message))

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig
        if id(node) in self.active:
            self.problem(node, "an alias refers to itself: write the value out")
            return None
        self.values[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, loc)
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
            return self._scalar(node)
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: yaml.Node) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:  # an unknown tag such as `!foo`, or `!!map` on a scalar
            self.problem(node, f"cannot read '{node.value}': {exc.problem}")
        except ValueError as exc:  # a date that does not exist (2024-02-30), or `!!int abc`
            self.problem(node, f"cannot read '{node.value}': {exc}; put it in quotes if it is text")
        return None

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                self.problem(key_node, "a key must be a plain word, such as 'title'")
                continue
            key = key_node.value
            if key in result:
                self.problem(key_node, f"'{key}' appears twice here: keep one")
                continue
            self.keys[(*loc, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, (*loc, key))
        return result


class _TooBig(Exception):
    pass


def _syntax_error(text: str, file: str, exc: yaml.YAMLError) -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return Problem(file, line, col, f"not valid YAML: {exc.problem or exc.context}")
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        # The reader gives a character offset, not a mark: count the lines before it.
        before = text[: exc.position]
        line, col = before.count("\n") + 1, exc.position - before.rfind("\n")
        return Problem(file, line, col, f"not valid YAML: character #x{exc.character:04x} is not allowed: {exc.reason}")
    return Problem(file, 1, 1, f"not valid YAML: {exc}")


_FAST_LOADER: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)
"""libyaml's safe loader, when PyYAML was built with it: ten times faster than the pure-Python one (90 ms of a
`redress case show` went on composing workflows.yaml)."""


def _compose(text: str) -> yaml.Node | None:
    """The document's node tree, with libyaml when present. Any error is raised by the pure-Python loader,
    parsing again, so a problem is always worded (and placed) the same way, libyaml or not."""
    if _FAST_LOADER is not None:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def parse(text: str, file: str) -> tuple[Any, Marks]:
    """YAML text to plain data and marks; raise InvalidDefinition on a syntax error."""
    builder = _Builder(file)
    try:
        root = _compose(text)
        if root is None:
            raise InvalidDefinition([Problem(file, 1, 1, "the file is empty: it must describe a workflow")])
        data = builder.build(root, ())
    except yaml.YAMLError as exc:
        raise InvalidDefinition([_syntax_error(text, file, exc)]) from None
    except _TooBig:
        raise InvalidDefinition([Problem(file, 1, 1, f"the document has more than {MAX_NODES} values")]) from None
    except RecursionError:
        # PyYAML composes nested collections recursively: a few hundred '[' exhaust the stack.
        raise InvalidDefinition([Problem(file, 1, 1, "the document is nested too deeply")]) from None
    if builder.problems:
        raise InvalidDefinition(builder.problems)
    return data, Marks(file, builder.values, builder.keys)


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The spec model that the mapping at `loc` is validated against, for 'did you mean'."""
    current: Any = Workflow
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next(
                (f for n, f in current.model_fields.items() if (f.alias or n) == part),
                None,
            )
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        elif typing.get_origin(current) is tuple:
            current = typing.get_args(current)[0]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Drop `X | None` and `Annotated[...]` around a type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _in_document(loc: Loc, data: Any) -> tuple[Loc, int | None]:
    """The parts of a pydantic location that index the document, and where the first other one
    (a union member's tag such as `literal['*']`, or `[key]`) stood."""
    kept: list[str | int] = []
    other: int | None = None
    for i, part in enumerate(loc):
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if in_list or (isinstance(data, dict) and part in data):
            data = data[part]
            kept.append(part)
        elif other is None:
            other = i
    return tuple(kept), other


def _best_of_unions(errors: list[Any], data: Any) -> list[Any]:
    """A union reports one error per member it tried: keep those of the member that got furthest."""

    def union(error: Any) -> Loc | None:
        loc = tuple(error["loc"])
        _, other = _in_document(loc, data)
        if other is None or error["type"] == "missing" or loc[other] == "[key]":
            return None
        return loc[:other]

    deepest: dict[Loc, int] = {}
    for error in errors:
        if (at := union(error)) is not None:
            deepest[at] = max(deepest.get(at, 0), len(error["loc"]))
    return [e for e in errors if (at := union(e)) is None or len(e["loc"]) == deepest[at]]


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == NAME_PATTERN:
        return f"'{error['input']}' is not a valid name: use lower-case letters, digits and '_', starting with a letter"
    if kind in ("model_type", "dict_type"):
        return "should be a mapping of keys and values (key: value)"
    if kind in ("tuple_type", "list_type"):
        return "should be a list, such as [a, b]"
    return str(error["msg"]).removeprefix("Value error, ")


def _describe(error: Any, data: Any, marks: Marks) -> Problem:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "missing":
        at, _ = _in_document(loc[:-1], data)
        where = ".".join(str(p) for p in at) or "the top level"
        return marks.at(at, f"'{loc[-1]}' is missing in {where}", key=True)
    at, _ = _in_document(loc, data)
    if kind == "extra_forbidden":
        model = _model_at(at[:-1])
        known = [f.alias or n for n, f in model.model_fields.items()] if model else []
        return marks.at(at, f"unknown key '{loc[-1]}'{did_you_mean(loc[-1], known)}", key=True)
    key = bool(loc) and loc[-1] == "[key]"  # a mapping key that is not a valid name: point at the key
    where = ".".join(str(p) for p in (at[:-1] if key else at)) or "the file"
    return marks.at(at, f"{where}: {_message(error)}", key=key)


def validate(data: Any, marks: Marks) -> Workflow:
    try:
        return Workflow.model_validate(data)
    except ValidationError as exc:
        errors = _best_of_unions(exc.errors(), data)
        raise InvalidDefinition([_describe(e, data, marks) for e in errors]) from None


def read_text(text: str, file: str = "workflows.yaml") -> Loaded:
    """Parse and type-check; raise InvalidDefinition with every problem found."""
    data, marks = parse(text, file)
    return Loaded(validate(data, marks), text, marks)


def read_file(path: Path) -> Loaded:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidDefinition([Problem(str(path), 1, 1, "no such file: give the path of a workflows.yaml")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidDefinition([Problem(str(path), 1, 1, f"cannot read the file: {exc}")]) from None
    return read_text(text, str(path))
