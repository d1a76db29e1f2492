"""Posted HTML forms read into the engine's inputs. Every value is text, checked by the engine after, by the
same input rules (engine.rules.inputs) as the API and the command line; here only a length limit holds
the request's size to what a field may hold."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.datastructures import FormData

from engine import NAME_MAX, TEXT_MAX, URL_MAX, BadInput, OpenCase, Redress, parse_instant
from workflows import Action, TrackStart

MAX_FIELD = TEXT_MAX


def text(form: FormData, name: str, limit: int = MAX_FIELD) -> str:
    """A text field ('' when absent or a file); too long is refused, not cut."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if len(value) > limit:
        raise BadInput(f"'{name}' is {len(value)} characters long: keep it under {limit}")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):  # any field, even one the engine does not keep
        raise BadInput(f"'{name}' holds control characters: type it again")
    return value


def texts(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def whole_number(form: FormData, name: str) -> int | None:
    value = text(form, name, 20).strip()
    if not value:
        return None
    if not value.isdigit():
        raise BadInput(f"'{name}' must be a whole number")
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
        raise BadInput("give the poster's name (or how they appear online) with their contact details")
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
        seen_at=parse_instant(seen_at, app.zone) if seen_at else None,
        first_published_on=_day(published) if published else None,
        report_id=whole_number(form, "report_id"),
    )


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"'{value}' is not a date: write it as YYYY-MM-DD") from None


def echo(form: FormData) -> dict[str, Any]:
    """The posted values, to fill the form again when it is refused (never the CSRF token or files)."""
    kept: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        kept[key] = values if len(values) > 1 or key in ("categories", "staff", "roles") else (values[0] if values else "")
    return kept
