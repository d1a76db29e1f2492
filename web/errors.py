"""The web app's own refusals, and how every error becomes a page or a JSON answer.

    SignInRequired   nobody is signed in: a page redirects to the sign-in form, the API answers 401
    TwoFactorPending signed in, second step owed: a page redirects to it (or to enrolment), the API answers 401
    Denied           signed in, but this is not theirs to see or do: 403
    CsrfFailed       a form or API call without this session's token: 403

The engine's errors map to statuses here (NotFound 404, Conflict 409, NotAllowed 403, Refused and BadInput 422,
EvidenceMissing 410, EvidenceChanged 500),
so a route never has to catch what it cannot answer better.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine import BadInput, Conflict, EvidenceChanged, EvidenceMissing, NotAllowed, NotFound, RedressError, Refused


class SignInRequired(Exception):
    pass


class TwoFactorPending(Exception):
    """Signed in, but the second step is owed: `step` is 'enrol' or 'verify'."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


class Denied(Exception):
    def __init__(self, message: str = "this is not yours to see or do") -> None:
        super().__init__(message)


class CsrfFailed(Exception):
    def __init__(self) -> None:
        super().__init__("the form had expired or did not come from Redress: reload the page and try again")


STATUS: list[tuple[type[Exception], int]] = [
    (EvidenceMissing, 410),
    (EvidenceChanged, 500),
    (NotFound, 404),
    (Conflict, 409),
    (NotAllowed, 403),
    (Refused, 422),
    (BadInput, 422),
    (Denied, 403),
    (CsrfFailed, 403),
]


def status_of(exc: Exception) -> int:
    return next((code for kind, code in STATUS if isinstance(exc, kind)), 500)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _local_next(request: Request) -> str:
    path = request.url.path
    return path if request.method == "GET" and path.startswith("/") and not path.startswith("//") else "/"


async def sign_in_required(request: Request, exc: Exception) -> Response:
    if is_api(request):
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    return RedirectResponse(f"/sign-in?next={quote(_local_next(request), safe='/')}", status_code=303)


async def two_factor_pending(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TwoFactorPending)
    if is_api(request):
        return JSONResponse({"detail": "finish signing in: the second step (two-factor) is owed"}, status_code=401)
    where = "/two-factor/enrol" if exc.step == "enrol" else "/two-factor"
    return RedirectResponse(f"{where}?next={quote(_local_next(request), safe='/')}", status_code=303)


async def refused(request: Request, exc: Exception) -> Response:
    status = status_of(exc)
    message = str(exc) if status != 404 or isinstance(exc, NotFound) else "not found"
    if is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    from web.templating import error_page

    return error_page(request, status, message)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (no such page, wrong method) as a page, or as FastAPI's JSON under /api."""
    assert isinstance(exc, StarletteHTTPException)
    if is_api(request):
        return await http_exception_handler(request, exc)
    from web.templating import error_page

    message = "there is no such page" if exc.status_code == 404 else str(exc.detail)
    return error_page(request, exc.status_code, message, headers=exc.headers)


async def malformed(request: Request, exc: Exception) -> Response:
    """A malformed address or form: FastAPI's list of problems under /api, a page otherwise."""
    assert isinstance(exc, RequestValidationError)
    if is_api(request):
        from web.api.strict import error_list

        return JSONResponse({"detail": error_list(exc.errors())}, status_code=422)
    from web.templating import error_page

    return error_page(request, 422, "the address or the form was not understood: go back and try again")


def install(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(TwoFactorPending, two_factor_pending)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, malformed)
    for kind in (RedressError, Denied, CsrfFailed):
        app.add_exception_handler(kind, refused)
