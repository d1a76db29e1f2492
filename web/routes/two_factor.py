"""The second step of signing in: enrolling an authenticator app (a QR code drawn here, as SVG), typing
its code or a recovery code, and "remember this browser" for `remember_browser_days`."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from engine import (
    BadInput,
    confirm_enrolment,
    enrolment_uri,
    mark_session,
    new_secret,
    remember_browser,
    second_step,
    two_factor_offered,
)
from web.errors import Denied
from web.forms import about, refuse
from web.routes.signin import REMEMBER_COOKIE, local_path
from web.session import FORM_CSRF, RedressDep, StateDep, client_of, redress, signed_in_token
from web.templating import page

router = APIRouter(include_in_schema=False)
PENDING = "totp_pending"


def qr_svg(uri: str) -> Markup:
    """The QR code of an otpauth:// address as inline SVG (drawn on the server: no script, no image request)."""
    return Markup(
        segno.make(uri, error="m").svg_inline(
            scale=5, border=2, dark="#0b0c0c", light="#ffffff", title="QR code to scan with your authenticator app"
        )
    )


def _remember_days(request: Request) -> int:
    return redress(request).settings.remember_browser_days


@router.get("/two-factor")
def verify_form(request: Request, state: StateDep, next: str = "/") -> Response:
    if not state.enrolled:
        return RedirectResponse(f"/two-factor/enrol?next={local_path(next)}", status_code=303)
    return page(request, "two_factor.html", None, {"next": local_path(next), "remember_days": _remember_days(request)})


@router.post("/two-factor", dependencies=[FORM_CSRF])
def verify_post(
    request: Request,
    app: RedressDep,
    state: StateDep,
    code: Annotated[str, Form(max_length=40)],
    next: Annotated[str, Form()] = "/",
    remember: Annotated[str, Form()] = "",
) -> Response:
    try:
        second_step(app, signed_in_token(request), code, client_of(request))
    except BadInput as exc:  # post/redirect/get: the page shows the error summary once, the code typed is not kept
        return refuse(request, f"/two-factor?next={quote(local_path(next))}", "two-factor", about(exc, "code"), {})
    response = RedirectResponse(local_path(next), status_code=303)
    if remember and app.settings.remember_browser_days > 0:
        token, days = remember_browser(app, state.viewer.id)
        response.set_cookie(
            REMEMBER_COOKIE,
            token,
            max_age=days * 86400,
            httponly=True,
            samesite="lax",
            secure=(app.settings.base_url or "").startswith("https://"),
            path="/",
        )
    return response


@router.get("/two-factor/enrol")
def enrol_form(request: Request, app: RedressDep, state: StateDep, next: str = "/") -> Response:
    if not two_factor_offered(app.settings.two_factor):
        raise Denied("two-factor sign-in is turned off here")
    secret = request.session.get(PENDING)
    if not isinstance(secret, str):
        secret = new_secret()
        request.session[PENDING] = secret
    uri = enrolment_uri(secret, state.viewer.email, app.settings.school_name)
    viewer = None if state.pending else state.viewer
    return page(
        request,
        "two_factor_enrol.html",
        viewer,
        {"qr": qr_svg(uri), "secret": secret, "next": local_path(next), "again": state.enrolled},
    )


@router.post("/two-factor/enrol", dependencies=[FORM_CSRF])
def enrol_post(
    request: Request,
    app: RedressDep,
    state: StateDep,
    code: Annotated[str, Form(max_length=40)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    secret = request.session.get(PENDING)
    if not isinstance(secret, str):
        return RedirectResponse("/two-factor/enrol", status_code=303)
    try:
        codes = confirm_enrolment(app, state.viewer.id, secret, code)
    except BadInput as exc:  # the same secret stays pending: the page shows the same QR code again
        return refuse(request, f"/two-factor/enrol?next={quote(local_path(next))}", "enrol", about(exc, "code"), {})
    request.session.pop(PENDING, None)
    mark_session(app, signed_in_token(request), "totp")
    # Shown once, on this answer itself (never stored where a reload could show them again).
    return page(request, "two_factor_codes.html", state.viewer, {"codes": codes, "next": local_path(next)})
