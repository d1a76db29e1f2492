"""The signed session cookie: who is signed in, their CSRF token, and a one-time message.

The cookie (Starlette's SessionMiddleware) is signed, HttpOnly and SameSite=Lax; it holds
a person's id and a random token, never a role: roles are read from the database on
every request, so a change of role or a deactivation takes effect at once.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from engine import Redress, Viewer, load_viewer
from web.errors import CsrfFailed, SignInRequired

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def redress(request: Request) -> Redress:
    app: Redress = request.app.state.redress
    return app


async def redress_dependency(request: Request) -> Redress:
    """As a dependency: async, so FastAPI does not spend a worker thread on it."""
    return redress(request)


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def _same(given: object, request: Request) -> bool:
    expected = request.session.get("csrf")
    return isinstance(given, str) and isinstance(expected, str) and hmac.compare_digest(given.encode(), expected.encode())


async def form_data(request: Request) -> AsyncIterator[FormData]:
    """The posted form, parsed once (the CSRF check shares it); its uploaded files closed after the response."""
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


async def check_form_csrf(request: Request) -> None:
    """Every form post carries the session's token in a hidden field: missing or forged is 403."""
    form = await request.form()
    if not _same(form.get(CSRF_FIELD), request):
        raise CsrfFailed()




def signed_in_id(request: Request) -> int:
    """The id of the person the session cookie names (not yet checked against the database)."""
    person_id = request.session.get("pid")
    if not isinstance(person_id, int):
        raise SignInRequired()
    return person_id


def accept_viewer(request: Request, viewer: Viewer | None) -> Viewer:
    """The person as read from the database this request; a deleted or deactivated one is signed out."""
    if viewer is None:
        request.session.clear()
        raise SignInRequired()
    request.state.viewer = viewer
    return viewer


def current_viewer(request: Request) -> Viewer:
    """The signed-in person, read afresh from the database once per request; SignInRequired when there is none.
    (FastAPI caches a dependency per request, so the CSRF check and the route share this read.)"""
    person_id = signed_in_id(request)
    with redress(request).db.reading() as session:
        viewer = load_viewer(session, person_id)
    return accept_viewer(request, viewer)


def start_session(request: Request, person_id: int) -> None:
    """A fresh session for a person who just signed in: a new token, nothing carried over."""
    request.session.clear()
    request.session["pid"] = person_id
    request.session["csrf"] = secrets.token_urlsafe(32)


def end_session(request: Request) -> None:
    request.session.clear()


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message[:500]


def take_flash(request: Request) -> str | None:
    message = request.session.pop("flash", None)
    return message if isinstance(message, str) else None


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
SignedInDep = Annotated[int, Depends(signed_in_id)]
"""For a page whose one query reads the viewer itself, in the same transaction as the page (`case_page`)."""


async def check_api_csrf(request: Request, viewer: ViewerDep) -> None:
    """Every API call that changes something carries the session's token in the X-CSRF-Token header
    (after the sign-in check, so an API client without a session is told 401)."""
    if not _same(request.headers.get(CSRF_HEADER), request):
        raise CsrfFailed()

RedressDep = Annotated[Redress, Depends(redress_dependency)]
FormDep = Annotated[FormData, Depends(form_data)]
FORM_CSRF = Depends(check_form_csrf)
API_CSRF = Depends(check_api_csrf)
