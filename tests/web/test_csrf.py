"""Every form and every API change needs this session's CSRF token: missing or forged is 403, and nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.context import Redress
from store import AuditEvent, Case, Note, Person
from tests.conftest import HEAD
from tests.web import school

FORMS = [
    ("/cases", {"categories": "school_complaint", "summary": "forged"}),
    ("/cases/{id}/actions/escalate_to_chair", {"field_reason": "forged"}),
    ("/cases/{id}/notes", {"text": "forged"}),
    ("/cases/{id}/links", {"url": "https://example.org/forged"}),
    ("/cases/{id}/meetings", {"held_on": "2026-11-23", "attendees": "forged"}),
    ("/people", {"name": "Forged", "email": "forged@school.example", "roles": "headteacher"}),
    ("/outbox/retry", {}),
    ("/sign-out", {}),
]


def _counts(app: Redress) -> tuple[int, ...]:
    with app.db.reading() as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(model)) or 0) for model in (Case, Note, Person, AuditEvent)
        )


@pytest.mark.parametrize("token", ["", "forged-token-0123456789-0123456789-0123"], ids=["missing", "forged"])
def test_forms_without_this_sessions_token_are_refused(app: Redress, browser, token: str) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    head = browser(HEAD)
    before = _counts(app)
    for url, data in FORMS:
        answer = head.post(url.format(id=made.other), data, token=token)
        assert answer.status_code == 403, url
        assert "did not come from Redress" in answer.text
    assert _counts(app) == before
    assert head.get("/").status_code == 200  # still signed in: sign-out was refused too


def test_a_token_from_another_session_is_refused(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    head, other = browser(HEAD), browser(HEAD)
    assert head.csrf != other.csrf
    assert head.post(f"/cases/{made.other}/notes", {"text": "x"}, token=other.csrf).status_code == 403


def test_the_sign_in_form_needs_its_token_too(browser) -> None:  # type: ignore[no-untyped-def]
    person = browser()
    answer = person.client.post("/sign-in", data={"email": HEAD, "password": "correct horse battery staple"})
    assert answer.status_code == 403


def test_api_changes_need_the_token_header(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    head = browser(HEAD)
    before = _counts(app)
    for headers in ({"X-CSRF-Token": ""}, {"X-CSRF-Token": "forged"}):
        answer = head.api("POST", f"/api/cases/{made.other}/notes", {"text": "x"}, headers=headers)
        assert answer.status_code == 403 and "did not come from Redress" in answer.json()["detail"]
    assert _counts(app) == before
    assert head.api("POST", f"/api/cases/{made.other}/notes", {"text": "x"}).status_code == 201


def test_signing_in_gives_a_new_session_token(browser) -> None:  # type: ignore[no-untyped-def]
    person = browser()
    person.get("/sign-in")
    before = person.csrf
    person.sign_in(HEAD)
    assert person.csrf and person.csrf != before
