"""Signing in and out: with a password, then the second step when the school asks for one."""

from __future__ import annotations

from functools import partial
from typing import Annotated
from urllib.parse import quote

import anyio.to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from engine import is_remembered, mark_session, session_state, sign_in
from web.session import FORM_CSRF, client_of, end_session, redress, start_session
from web.templating import page

router = APIRouter(include_in_schema=False)
REMEMBER_COOKIE = "redress_remember"


def local_path(value: str | None) -> str:
    """Where to go after signing in: a path on this site only (never //elsewhere or a full URL)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    return value


def sign_in_page(request: Request, next: str, email: str = "", error: str | None = None, status: int = 200) -> Response:
    settings = redress(request).settings
    context = {
        "next": local_path(next),
        "email": email,
        "error": error,
        "providers": settings.sign_in_providers,
        "passwords": settings.password_sign_in,
    }
    return page(request, "sign_in.html", None, context, status=status)


def signed_in(request: Request, token: str, person_id: int, next: str) -> Response:
    """A new session is open: keep its cookie; a remembered browser skips the second step; then the second
    step (or its enrolment) when it is owed, else where the person was going."""
    app = redress(request)
    start_session(request, token)
    state = session_state(app, token)
    if state is not None and state.pending == "verify" and is_remembered(app, person_id, request.cookies.get(REMEMBER_COOKIE)):
        mark_session(app, token, "remembered")
        state = session_state(app, token)
    target = local_path(next)
    if state is not None and state.pending:
        step = "/two-factor/enrol" if state.pending == "enrol" else "/two-factor"
        target = f"{step}?next={quote(target, safe='/')}"
    return RedirectResponse(target, status_code=303)


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "/") -> Response:
    return sign_in_page(request, next)


@router.post("/sign-in", dependencies=[FORM_CSRF])
async def sign_in_post(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    check = partial(sign_in, redress(request), email, password, client_of(request))
    result = await anyio.to_thread.run_sync(check, limiter=getattr(request.app.state, "sign_in_lane", None))
    if result.token is None or result.person_id is None:
        return sign_in_page(request, next, email, result.message, status=401)
    return await run_in_threadpool(signed_in, request, result.token, result.person_id, next)


@router.post("/sign-out", dependencies=[FORM_CSRF])
def sign_out(request: Request) -> Response:
    end_session(request)
    return RedirectResponse("/sign-in", status_code=303)
