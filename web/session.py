"""The session cookie: the token of a server-side session, the CSRF token, and a one-time message.

The cookie (Starlette's SessionMiddleware) is signed, HttpOnly and SameSite=Lax. It never holds a
person's id or a role: it holds a random token whose session lives in the database
(`engine.commands.sessions`), so sign-out, "sign out everywhere", a deactivation or a change of roles
or password ends it for every copy of the cookie at once. Roles are read afresh on every request.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from engine import Client, Redress, SessionState, Viewer, session_state
from engine import end_session as end_server_session
from web.errors import CsrfFailed, SignInRequired, TwoFactorPending

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SID = "sid"


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


def signed_in_token(request: Request) -> str:
    """The session token the cookie carries (not yet checked against the database)."""
    token = request.session.get(SID)
    if not isinstance(token, str):
        raise SignInRequired()
    return token


def accept_viewer(request: Request, viewer: Viewer | None) -> Viewer:
    """The person as read from the database this request; an ended session or a deactivated person is signed out."""
    if viewer is None:
        request.session.clear()
        raise SignInRequired()
    request.state.viewer = viewer
    return viewer


def current_state(request: Request) -> SessionState:
    """The live session of this browser, second step met or not; SignInRequired when there is none."""
    state = session_state(redress(request), signed_in_token(request))
    if state is None:
        request.session.clear()
        raise SignInRequired()
    request.state.session_state = state
    return state


def current_viewer(request: Request) -> Viewer:
    """The signed-in person of a live session, read afresh from the database once per request; SignInRequired
    when there is none, TwoFactorPending while the second step of their sign-in is owed. (FastAPI caches a
    dependency per request, so the CSRF check and the route share it.)"""
    state = current_state(request)
    if state.pending:
        raise TwoFactorPending(state.pending)
    return accept_viewer(request, state.viewer)


def client_of(request: Request) -> Client:
    return Client(request.client.host if request.client else None, request.headers.get("user-agent"))


def start_session(request: Request, token: str) -> None:
    """The cookie of a session just opened: the new token and a new CSRF token, nothing carried over."""
    request.session.clear()
    request.session[SID] = token
    request.session["csrf"] = secrets.token_urlsafe(32)


def end_session(request: Request) -> None:
    """Sign-out: the server-side session ends (so a copy of the cookie is dead too), and the cookie is emptied."""
    token = request.session.get(SID)
    if isinstance(token, str):
        end_server_session(redress(request), token)
    request.session.clear()


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message[:500]


def take_flash(request: Request) -> str | None:
    message = request.session.pop("flash", None)
    return message if isinstance(message, str) else None


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
StateDep = Annotated[SessionState, Depends(current_state)]
"""For the second step's own pages: a session whose second step is still owed may use them."""
SignedInDep = Annotated[str, Depends(signed_in_token)]
"""For a page whose one query checks the session, its second step and the viewer itself, in the same transaction
as the page (`case_page`: a session still owing the second step is sent to finish signing in, by `accept_read`)."""


async def check_api_csrf(request: Request, viewer: ViewerDep) -> None:
    """Every API call that changes something carries the session's token in the X-CSRF-Token header
    (after the sign-in check, so an API client without a session is told 401)."""
    if not _same(request.headers.get(CSRF_HEADER), request):
        raise CsrfFailed()


RedressDep = Annotated[Redress, Depends(redress_dependency)]
FormDep = Annotated[FormData, Depends(form_data)]
FORM_CSRF = Depends(check_form_csrf)
API_CSRF = Depends(check_api_csrf)
