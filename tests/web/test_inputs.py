"""One set of input rules at every door, and JSON that cannot break the API's answers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from engine.context import Redress
from store import AuditEvent, Case, Note
from tests.conftest import HEAD, MONDAY
from tests.integration.helpers import open_case

RAW = {  # bodies no JSON encoder in Python would write, as a script or an attacker may send them
    "an overflowing number": b'{"text": "x", "n": 1e999}',
    "NaN": b'{"text": NaN}',
    "Infinity": b'{"text": "x", "n": -Infinity}',
    "a lone surrogate": b'{"text": "a\\ud800b"}',
    "a lone surrogate in a key": b'{"\\udfff": "x"}',
    "bytes that are not UTF-8": b'{"text": "\xff\xfe"}',
    "an integer of 5,000 digits": b'{"text": "x", "n": ' + b"9" * 5000 + b"}",
    "nesting 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
}


def _notes(app: Redress) -> int:
    with app.db.reading() as session:
        return session.scalar(select(func.count()).select_from(Note)) or 0


@pytest.mark.parametrize("body", RAW.values(), ids=RAW.keys())
def test_json_the_api_cannot_read_is_a_422_with_an_error_body(app: Redress, browser, body: bytes) -> None:  # type: ignore[no-untyped-def]
    case, head = open_case(app), browser(HEAD)
    answer = head.client.post(
        f"/api/cases/{case}/notes", content=body, headers={"X-CSRF-Token": head.csrf, "Content-Type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    assert isinstance(answer.json()["detail"], list)
    assert _notes(app) == 0


BAD_API = [
    ("/notes", {"text": "ring \x07 the bell"}),
    ("/notes", {"text": "x" * 10_001}),
    ("/links", {"url": "javascript:alert(1)"}),
    ("/links", {"url": "data:text/html,<script>alert(1)</script>"}),
    ("/meetings", {"held_on": 0, "attendees": "head"}),
    ("/meetings", {"held_on": "2099-01-01", "attendees": "head"}),
    ("/meetings", {"held_on": "0001-01-01", "attendees": "head"}),
    ("/meetings", {"held_on": "2026-11-30", "attendees": "head"}),  # after the fixed clock's today
]


@pytest.mark.parametrize("path, body", BAD_API)
def test_the_api_refuses_what_the_rules_refuse(app: Redress, browser, path: str, body: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    case, head = open_case(app), browser(HEAD)
    answer = head.api("POST", f"/api/cases/{case}{path}", body)
    assert answer.status_code == 422, answer.text
    with app.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case)) == 1


def test_a_person_with_a_non_ascii_address_or_an_escape_in_the_name_is_refused(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    assert head.api("POST", "/api/people", {"name": "Ann", "email": "ann\u00e9@school.example"}).status_code == 422
    assert head.api("POST", "/api/people", {"name": "Ann\x1b[31m", "email": "ann@school.example"}).status_code == 422
    assert head.api("POST", "/api/people", {"name": "=?utf-8?q?Boss?=", "email": "ann@school.example"}).status_code == 422
    assert head.api("POST", "/api/people", {"name": "A" * 201, "email": "ann@school.example"}).status_code == 422


def test_the_published_schema_carries_the_rules(browser) -> None:  # type: ignore[no-untyped-def]
    from engine.rules import inputs

    schemas = browser(HEAD).client.get("/api/openapi.json").json()["components"]["schemas"]
    link = schemas["LinkIn"]["properties"]["url"]
    assert link["pattern"] == inputs.URL_PATTERN and link["maxLength"] == inputs.URL_MAX
    assert schemas["NoteIn"]["properties"]["text"]["maxLength"] == inputs.TEXT_MAX
    assert schemas["MeetingIn"]["properties"]["held_on"]["pattern"] == inputs.DATE_PATTERN
    assert schemas["PersonIn"]["properties"]["email"]["pattern"] == inputs.EMAIL_PATTERN


def test_nothing_is_added_to_a_closed_case_by_the_api_or_the_pages(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    case, head = open_case(app), browser(HEAD)
    with app.db.unit_of_work() as session:
        session.execute(update(Case).where(Case.id == case).values(closed_at=MONDAY, outcome="Resolved"))
    for path, body in (
        ("/notes", {"text": "late"}),
        ("/links", {"url": "https://example.org/p"}),
        ("/meetings", {"held_on": "2026-11-20", "attendees": "head"}),
    ):
        answer = head.api("POST", f"/api/cases/{case}{path}", body)
        assert answer.status_code == 422 and "is closed" in answer.json()["detail"], answer.text
    upload = head.client.post(
        f"/api/cases/{case}/evidence", files={"file": ("a.png", b"png")}, headers={"X-CSRF-Token": head.csrf}
    )
    assert upload.status_code == 422 and "is closed" in upload.json()["detail"]
    refused = head.post(f"/cases/{case}/notes", {"text": "late"})
    assert refused.status_code == 303 and "is closed" in head.get(refused.headers["location"]).text  # post/redirect/get
    assert not list((app.data_dir / "evidence").glob("??/*"))


def test_the_form_refuses_a_javascript_link_as_the_api_does(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    head.get("/cases/new")
    form = {"categories": "staff_offensive", "summary": "A post", "link": "javascript:alert(1)"}
    refused = head.post("/cases", form)
    assert refused.status_code == 303 and refused.headers["location"] == "/cases/new"  # post/redirect/get
    page = head.get("/cases/new")
    assert '<a href="#link">' in page.text and "is not a web link" in page.text
