"""Refused forms answer with post/redirect/get and the GOV.UK error pattern: the page they came from, once,
with one alert (the error summary, linking to each field) and each field's own message beside it."""

from __future__ import annotations

from typing import Any

from engine.context import Redress
from tests.conftest import HEAD, TESS
from tests.web import school


def test_a_refused_report_keeps_its_url_and_what_was_typed(app: Redress, browser: Any) -> None:
    tess = browser(TESS)
    refused = tess.post("/reports/new", {"text": "", "link": "https://example.org/post"})
    assert refused.status_code == 303 and refused.headers["location"] == "/reports/new"
    again = tess.get("/reports/new").text
    assert again.count('role="alert"') == 1 and 'class="error-summary"' in again and "<title>Error: " in again
    assert 'href="#report-' in again and 'aria-invalid="true"' in again
    assert 'value="https://example.org/post"' in again  # typed once, kept
    assert 'class="error-summary"' not in tess.get("/reports/new").text  # a reload shows the plain form


def test_a_refused_record_form_on_the_case_page_alerts_once(app: Redress, browser: Any) -> None:
    made = school.build(app)
    head = browser(HEAD)
    for form, data in (("notes", {"text": ""}), ("meetings", {"held_on": "not a date", "attendees": "the parent"})):
        refused = head.post(f"/cases/{made.other}/{form}", data)
        assert refused.status_code == 303 and refused.headers["location"] == f"/cases/{made.other}"
        page = head.get(f"/cases/{made.other}").text
        assert page.count('role="alert"') == 1, form  # the summary; the form's own message is no second alert
        summary = page[page.index('class="error-summary"') : page.index("</div>", page.index('class="error-summary"'))]
        message = summary.split("<li>", 1)[1].split("</li>", 1)[0]
        text = message.split(">", 1)[1].split("<", 1)[0] if message.startswith("<a") else message
        assert page.count(text) == 2, form  # in the summary, and once by its form
