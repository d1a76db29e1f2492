"""A signed-in person's own account: their password, and ending every session of theirs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from engine import BadInput, change_password, open_session, sign_out_everywhere
from web.forms import refuse, text
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, client_of, flash, start_session
from web.templating import page

router = APIRouter(include_in_schema=False)


@router.get("/account/password")
def password_form(request: Request, viewer: ViewerDep) -> Response:
    return page(request, "account_password.html", viewer)


@router.post("/account/password", dependencies=[FORM_CSRF])
def password_post(request: Request, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    """The change ends every session of the person (a copied cookie dies with them); this browser gets a new one."""
    try:
        change_password(app, viewer.id, text(form, "current", 1000), text(form, "new", 1000), text(form, "repeated", 1000))
    except BadInput as exc:  # the passwords typed are never kept: the form comes back empty
        return refuse(request, "/account/password", "password", exc, {})
    # The new session keeps how this one met its second step: changing a password is no reason to ask again.
    state = getattr(request.state, "session_state", None)
    start_session(request, open_session(app, viewer.id, client_of(request), state.second_factor if state else ""))
    flash(request, "Your password is changed. You are signed out everywhere else.")
    return RedirectResponse("/", status_code=303)


@router.post("/account/sign-out-everywhere", dependencies=[FORM_CSRF])
def sign_out_everywhere_post(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    sign_out_everywhere(app, viewer.id)
    request.session.clear()
    return RedirectResponse("/sign-in", status_code=303)
