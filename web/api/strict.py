"""The API's JSON, read strictly: a body that is not UTF-8, holds a lone surrogate, or a number that is not
finite (`NaN`, `Infinity`, `1e999`) is malformed (422, with FastAPI's error body), never stored and never a 500."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


def _not_json(message: str, doc: str = "", pos: int = 0) -> json.JSONDecodeError:
    return json.JSONDecodeError(message, doc, pos)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _not_json(f"the number {text[:20]} is too large")
    return value


def _no_constant(name: str) -> Any:
    raise _not_json(f"{name} is not a number JSON allows")


def _check_text(value: Any) -> None:
    """Every string (keys too) must be encodable: a lone surrogate (`\\ud800`) is not text."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _not_json("a string holds a lone surrogate (\\ud800-\\udfff), which is not text") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


def loads(body: bytes) -> Any:
    """Parse a JSON body; json.JSONDecodeError (which FastAPI answers with 422) for anything it should not hold."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_json("the body is not UTF-8", pos=exc.start) from exc
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as exc:  # an integer of thousands of digits; nesting too deep
        raise _not_json(str(exc)[:100] or "the JSON is too deep", text[:0]) from exc
    _check_text(value)
    return value


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """An API route whose body is read by `loads`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict


def error_list(errors: Any) -> list[dict[str, Any]]:
    """FastAPI's validation errors, fit for JSON: the location, the kind and the message, never the input
    (which may be a NaN, a lone surrogate, or the whole of an oversized value)."""
    return [
        {
            "type": str(e.get("type", "")),
            "loc": [p if isinstance(p, int) else _text(p) for p in e.get("loc", ())],
            "msg": _text(e.get("msg", "")),
        }
        for e in errors
    ]


def _text(value: Any) -> str:
    return str(value).encode("utf-8", "replace").decode("utf-8")[:500]
