"""Posted HTML forms read into the engine's inputs, and what happens when one is refused.

Every value is text, checked by the engine after, by the same input rules (engine.rules.inputs) as the
API and the command line; here only a length limit holds the request's size to what a field may hold.
A refused form is post/redirect/get back to its page, which shows an error summary once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from engine import (
    NAME_MAX,
    TEXT_MAX,
    URL_MAX,
    BadInput,
    OpenCase,
    Redress,
    RedressError,
    hold_form,
    parse_instant,
    take_held_form,
)
from web.session import flash, redress
from workflows import Action, TrackStart

MAX_FIELD = TEXT_MAX


def text(form: FormData, name: str, limit: int = MAX_FIELD) -> str:
    """A text field ('' when absent or a file); too long is refused, not cut."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if len(value) > limit:
        raise BadInput(f"this is {len(value)} characters long: keep it under {limit}", field=name)
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):  # any field, even one the engine does not keep
        raise BadInput("this holds control characters: type it again", field=name)
    return value


def texts(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def whole_number(form: FormData, name: str) -> int | None:
    value = text(form, name, 20).strip()
    if not value:
        return None
    if not value.isdigit():
        raise BadInput("this must be a whole number", field=name)
    return int(value)


def action_fields(form: FormData, action: Action | TrackStart) -> dict[str, Any]:
    """The workflow's fields for this action, as posted (named `field_<name>`); blank ones left out."""
    values = {name: text(form, f"field_{name}") for name in action.fields}
    return {name: value for name, value in values.items() if value.strip()}


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]


def open_case_input(app: Redress, form: FormData) -> OpenCase:
    """The open-case form as the engine's OpenCase."""
    poster_name, poster_contact = text(form, "poster_name", NAME_MAX).strip(), text(form, "poster_contact", URL_MAX).strip()
    if poster_contact and not poster_name:
        raise BadInput("give the poster's name (or how they appear online) with their contact details", field="poster_name")
    seen_at = text(form, "seen_at", 40).strip()
    link = text(form, "link", URL_MAX).strip()
    published = text(form, "first_published_on", 20).strip()
    return OpenCase(
        categories=texts(form, "categories"),
        summary=text(form, "summary"),
        staff=texts(form, "staff"),
        pupils=split_list(text(form, "pupils", TEXT_MAX)),
        posters=[(poster_name, poster_contact)] if poster_name else [],
        platform=text(form, "platform", NAME_MAX).strip() or None,
        link=link or None,
        seen_at=_instant(seen_at, app) if seen_at else None,
        first_published_on=_day(published) if published else None,
        report_id=whole_number(form, "report_id"),
    )


def _instant(value: str, app: Redress) -> Any:
    try:
        return parse_instant(value, app.zone)
    except BadInput as exc:
        raise BadInput(str(exc), field="seen_at") from exc


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"'{value}' is not a date: write it as YYYY-MM-DD", field="first_published_on") from None


def echo(form: FormData) -> dict[str, Any]:
    """The posted values, to fill the form again when it is refused (never the CSRF token or files)."""
    kept: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        kept[key] = values if len(values) > 1 or key in ("categories", "staff", "roles") else (values[0] if values else "")
    return kept


@dataclass(frozen=True)
class Refusal:
    """A refused form as its page shows it again (the GOV.UK error pattern): the problems, each a message and
    the id of the field it is about (or None), and the values as posted."""

    form: str
    problems: tuple[tuple[str | None, str], ...]
    values: dict[str, Any]

    def about(self, field_id: str) -> str | None:
        """The message about one field, for its inline error."""
        return next((message for field, message in self.problems if field == field_id), None)

    def for_form(self, form: str) -> dict[str, Any]:
        return self.values if form == self.form else {}


def about(exc: RedressError, field: str) -> RedressError:
    """The refusal of a one-field form with its field-less problems given to that field, so the error summary
    links to the field and the field repeats its message."""
    if all(name for name, _ in exc.problems):
        return exc
    return BadInput(str(exc), problems=[(name or field, message) for name, message in exc.problems])


def refuse(
    request: Request, back: str, form: str, exc: RedressError, values: dict[str, Any], fields: Mapping[str, str] | None = None
) -> RedirectResponse:
    """Post/redirect/get for a refused form: the refusal is held with the server-side session and the browser is sent
    back (303) to the page that has the form, which shows it once. A reload then only reloads that page.

    `fields` turns the engine's field names into the ids of the page's inputs (a name it lacks stays as it is)."""
    ids = fields or {}
    problems = [(ids.get(field, field) if field else None, message) for field, message in exc.problems]
    held = json.dumps({"form": form, "problems": problems, "values": values})
    token = request.session.get("sid")
    if isinstance(token, str) and hold_form(redress(request), token, held):
        request.session["held"] = True
    else:
        flash(request, str(exc))
    return RedirectResponse(back, status_code=303)


def held_refusal(request: Request) -> Refusal | None:
    """The refusal the previous post left for this page, taken once (only when the cookie says there is one)."""
    if not request.session.pop("held", None):
        return None
    token = request.session.get("sid")
    raw = take_held_form(redress(request), token) if isinstance(token, str) else None
    if raw is None:
        return None
    data = json.loads(raw)
    return Refusal(str(data["form"]), tuple((field, str(message)) for field, message in data["problems"]), dict(data["values"]))
