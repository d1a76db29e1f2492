"""Signing in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from engine import sign_in
from web.session import FORM_CSRF, client_of, end_session, redress, start_session
from web.templating import page

router = APIRouter(include_in_schema=False)


def local_path(value: str | None) -> str:
    """Where to go after signing in: a path on this site only (never //elsewhere or a full URL)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    return value


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "/") -> Response:
    return page(request, "sign_in.html", None, {"next": local_path(next), "email": ""})


@router.post("/sign-in", dependencies=[FORM_CSRF])
async def sign_in_post(request: Request, email: Annotated[str, Form(max_length=320)],
                       password: Annotated[str, Form(max_length=1000)], next: Annotated[str, Form()] = "/") -> Response:
    result = await run_in_threadpool(sign_in, redress(request), email, password, client_of(request))
    if result.token is None:
        context = {"next": local_path(next), "email": email, "error": result.message}
        return page(request, "sign_in.html", None, context, status=401)
    start_session(request, result.token)
    return RedirectResponse(local_path(next), status_code=303)


@router.post("/sign-out", dependencies=[FORM_CSRF])
def sign_out(request: Request) -> Response:
    end_session(request)
    return RedirectResponse("/sign-in", status_code=303)
