"""The annual review as a page: the year's figures to download (HTML, PDF), and the policy's evaluation checklist,
answered with evidence and signed off by the three reviewers the policy names. The same engine commands as
`redress review`; each form is post/redirect/get, a refusal shown once in the error summary."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from engine import (
    ANSWERS,
    CHECKLIST,
    TEXT_MAX,
    BadInput,
    NotAllowed,
    Redress,
    Refused,
    ReviewAnswer,
    Viewer,
    annual_html,
    annual_pdf,
    answer_review,
    capacities,
    check_reader,
    may_answer_review,
    review_sheet,
    sign_review,
)
from web.errors import Denied
from web.forms import echo, refuse, text
from web.session import FORM_CSRF, FormDep, RedressDep, ViewerDep, flash
from web.templating import page

router = APIRouter(include_in_schema=False)

Year = Annotated[int, Path(ge=2000, le=2100)]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="The year under review.")]


def _reader(viewer: Viewer) -> None:
    try:
        check_reader(viewer)
    except NotAllowed as exc:
        raise Denied(str(exc)) from None


def _reviewer(viewer: Viewer) -> None:
    """The three reviewers answer and sign; the others who may read the review only read it."""
    _reader(viewer)
    if not may_answer_review(viewer):
        raise Denied(
            "only the e-Safety coordinator, the headteacher and the nominated director answer and sign the annual review"
        )


def _this_year(app: Redress) -> int:
    return app.clock.now().astimezone(app.zone).year


@router.get("/review")
def review_page(request: Request, app: RedressDep, viewer: ViewerDep, year: YearQuery = None) -> Response:
    _reader(viewer)
    shown = year or _this_year(app)
    if shown > _this_year(app):
        raise BadInput(f"{shown} has not started yet: choose this year or one before it")
    sheet = review_sheet(app, shown)
    mine = capacities(viewer)
    signed_names = {s.key for s in sheet.signatures if s.name}
    return page(
        request,
        "review.html",
        viewer,
        {
            "sheet": sheet,
            "years": list(range(_this_year(app), max(_this_year(app) - 6, 1999), -1)),
            "answers": ANSWERS,
            "may_answer": may_answer_review(viewer) and not sheet.complete,
            "to_sign": [r for r in mine if r.key not in signed_names] if not sheet.complete else [],
            "text_max": TEXT_MAX,
        },
    )


@router.post("/review/{year}/answers", dependencies=[FORM_CSRF])
def save_answers(request: Request, year: Year, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    _reviewer(viewer)
    back = f"/review?year={year}"
    try:
        answers = [
            ReviewAnswer(n, text(form, f"answer-{n}", 10), text(form, f"evidence-{n}"))
            for n in range(1, len(CHECKLIST) + 1)
            if text(form, f"answer-{n}", 10).strip() or text(form, f"evidence-{n}").strip()
        ]
        changed = answer_review(app, viewer, year, answers, text(form, "statement") if "statement" in form else None)
    except NotAllowed:
        raise
    except (Refused, BadInput) as exc:
        return refuse(request, back, "answers", exc, echo(form))
    flash(request, f"{changed} answer(s) saved." if changed else "Nothing had changed: the answers are as they were.")
    return RedirectResponse(f"{back}#checklist", status_code=303)


@router.post("/review/{year}/sign", dependencies=[FORM_CSRF])
def sign(request: Request, year: Year, app: RedressDep, viewer: ViewerDep, form: FormDep) -> Response:
    _reviewer(viewer)
    back = f"/review?year={year}"
    try:
        signed = sign_review(app, viewer, year, text(form, "capacity", 40))
    except (Refused, BadInput) as exc:
        if isinstance(exc, NotAllowed):
            raise
        about = exc if any(field for field, _ in exc.problems) else Refused(str(exc), field="capacity")
        return refuse(request, back, "sign", about, echo(form), {"capacity": "sign-off"})  # no fragment: autofocus
    if signed.next_review:
        flash(request, f"Signed as {signed.title}. The review is signed off: the next is due on {signed.next_review:%d %B %Y}.")
    else:
        flash(request, f"Signed as {signed.title}. Still to sign: {' and '.join(signed.waiting_for)}.")
    return RedirectResponse(f"{back}#sign-off", status_code=303)


@router.get("/review/{year}/annual-review.html")
def download_html(year: Year, app: RedressDep, viewer: ViewerDep) -> Response:
    _reader(viewer)
    return Response(
        annual_html(app, year),
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="annual-review-{year}.html"'},
    )


@router.get("/review/{year}/annual-review.pdf")
def download_pdf(year: Year, app: RedressDep, viewer: ViewerDep) -> Response:
    _reader(viewer)
    return Response(
        annual_pdf(app, year),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="annual-review-{year}.pdf"'},
    )
