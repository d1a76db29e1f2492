"""The headteacher's Sign-in and access page: recent sign-ins, failures, lock-outs, second factors; and
resetting someone's two-factor sign-in (a lost phone)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from engine import access_overview, reset_two_factor
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, flash
from web.templating import page

router = APIRouter(include_in_schema=False)
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.get("/access")
def access_page(request: Request, app: RedressDep, viewer: ViewerDep) -> Response:
    return page(request, "access.html", viewer, {"overview": access_overview(app, viewer)})


@router.post("/access/{person_id}/reset-two-factor", dependencies=[FORM_CSRF])
def reset_post(request: Request, person_id: RowId, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    """Asked twice, as every change on the People page that takes something away: the first press shows what
    will happen, the second (with confirm=yes) does it."""
    overview = access_overview(app, viewer)  # refuses anyone without manage_people, first
    if form.get("confirm") != "yes":
        person = next((p for p in overview.people if p.id == person_id), None)
        return page(request, "access.html", viewer, {"overview": overview, "confirm": person})
    ended = reset_two_factor(app, viewer, person_id)
    flash(request, f"Two-factor sign-in is reset: they set it up again at their next sign-in ({ended} session(s) ended).")
    return RedirectResponse("/access", status_code=303)
