"""A signed-in person changes their own password."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from engine import BadInput, change_password
from web.forms import text
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, flash
from web.templating import page

router = APIRouter(include_in_schema=False)


@router.get("/account/password")
def password_form(request: Request, viewer: ViewerDep) -> Response:
    return page(request, "account_password.html", viewer)


@router.post("/account/password", dependencies=[FORM_CSRF])
def password_post(request: Request, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    try:
        change_password(app, viewer.id, text(form, "current", 1000), text(form, "new", 1000), text(form, "repeated", 1000))
    except BadInput as exc:
        return page(request, "account_password.html", viewer, {"error": str(exc)}, status=400)
    flash(request, "Your password is changed.")
    return RedirectResponse("/", status_code=303)
