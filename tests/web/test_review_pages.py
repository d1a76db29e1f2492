"""The annual review page: who may open and download it, answering with the GOV.UK error pattern and
post/redirect/get, and the sign-off by the three reviewers the policy names."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from engine.commands.people import add_person
from engine.report.pdf import find_renderer
from store import ReviewEvent
from tests.conftest import CHAIR, COORDINATOR, EQUALITIES, HEAD, SAM
from tests.web.conftest import TOTP_SECRETS

DIRECTOR = "director@school.example"


@pytest.fixture
def director(app, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    """Dora Director, the nominated director; listed before `browser`, which gives her a password and an authenticator."""
    add_person(app, "Dora Director", DIRECTOR, ["nominated_director"])
    monkeypatch.setitem(TOTP_SECRETS, DIRECTOR, pyotp.random_base32())
    return DIRECTOR


def all_answers() -> dict[str, str]:
    form = {f"answer-{n}": "yes" for n in range(1, 27)}
    form |= {f"evidence-{n}": f"seen by the directors, point {n}" for n in range(1, 27)}
    return form | {"statement": "It is effective and suitable for purpose"}


@pytest.mark.parametrize("email", [HEAD, CHAIR, COORDINATOR])
def test_the_chair_the_headteacher_and_the_coordinator_open_and_download_it(browser, email) -> None:  # type: ignore[no-untyped-def]
    person = browser(email)
    page = person.get("/review")
    assert page.status_code == 200 and "Annual review of 2026" in page.text and 'href="/review"' in page.text
    assert "1. Policy annually reviewed" in page.text
    html = person.get("/review/2026/annual-review.html")
    assert html.status_code == 200 and "attachment" in html.headers["content-disposition"]
    assert "Policy evaluation" in html.text and "Coordinator in place" in html.text


def test_the_pdf_is_a_pdf(browser) -> None:  # type: ignore[no-untyped-def]
    if find_renderer() is None:
        pytest.skip("no PDF renderer on this machine")
    pdf = browser(CHAIR).get("/review/2026/annual-review.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("email", [SAM, EQUALITIES])
def test_staff_get_403_at_every_door(browser, email) -> None:  # type: ignore[no-untyped-def]
    person = browser(email)
    assert 'href="/review"' not in person.get("/").text
    for url in ("/review", "/review/2026/annual-review.html", "/review/2026/annual-review.pdf"):
        assert person.get(url).status_code == 403, url
    assert person.post("/review/2026/answers", all_answers()).status_code == 403
    assert person.post("/review/2026/sign", {"capacity": "headteacher"}).status_code == 403


def test_the_chair_reads_but_neither_answers_nor_signs(app, browser) -> None:  # type: ignore[no-untyped-def]
    chair = browser(CHAIR)
    page = chair.get("/review").text
    assert "Save the answers" not in page and "Sign as" not in page
    assert chair.post("/review/2026/answers", all_answers()).status_code == 403
    assert chair.post("/review/2026/sign", {"capacity": "nominated_director"}).status_code == 403
    with app.db.reading() as session:
        assert session.scalars(select(ReviewEvent)).first() is None


def test_a_refused_answer_comes_back_once_with_its_field_named(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    head.get("/review")
    refused = head.post("/review/2026/answers", {"answer-2": "perhaps", "evidence-4": "a note, no answer", "statement": "kept"})
    assert refused.status_code == 303 and refused.headers["location"] == "/review?year=2026"
    page = head.get("/review?year=2026").text
    assert page.count('class="error-summary"') == 1 and "<title>Error: Annual review 2026" in page
    assert 'href="#answer-2"' in page and 'id="answer-2-error"' in page and 'href="#answer-4"' in page
    assert "&#39;perhaps&#39; is not an answer to &#39;Policy in line with current legislation&#39;" in page
    assert "answer &#39;Nominated Director in place&#39; with Yes, No or N/A" in page
    assert ">kept</textarea>" in page and ">a note, no answer</textarea>" in page  # what was typed is kept
    assert 'class="error-summary"' not in head.get("/review?year=2026").text  # shown once


def test_the_three_reviewers_sign_off_and_the_next_review_date_is_shown(app, director, browser) -> None:  # type: ignore[no-untyped-def]
    coordinator, head, nominated = browser(COORDINATOR), browser(HEAD), browser(director)
    coordinator.get("/review")
    assert coordinator.post("/review/2026/answers", all_answers()).status_code == 303
    assert "27 answer(s) saved" in coordinator.get("/review").text

    head.get("/review")
    assert head.post("/review/2026/sign", {"capacity": "headteacher"}).headers["location"] == "/review?year=2026#sign-off"
    page = head.get("/review").text
    assert "Still to sign: the e-Safety coordinator and the nominated director" in page
    assert "Sign as the headteacher" not in page
    assert head.post("/review/2026/sign", {"capacity": "nominated_director"}).status_code == 403  # not hers to sign
    head.post("/review/2026/sign", {"capacity": "headteacher"})  # twice: refused, on the page
    again = head.get("/review").text
    assert 'class="error-summary"' in again and "The headteacher has already signed the review of 2026" in again

    coordinator.post("/review/2026/sign", {"capacity": "coordinator"})
    nominated.get("/review")
    nominated.post("/review/2026/sign", {"capacity": "nominated_director"})
    page = nominated.get("/review").text
    assert "Signed off on 23 November 2026" in page and "The next review is due on <strong>23 November 2027</strong>" in page
    assert "Save the answers" not in page  # signed off: no more changes
    assert "Dora Director: signed the review as the nominated director" in page
    download = head.get("/review/2026/annual-review.html").text
    assert "The next review is due on 23 November 2027" in download and "Dora Director" in download


def test_without_a_pdf_renderer_the_download_says_so_and_gives_no_file(browser, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import engine.report.pdf

    monkeypatch.setattr(engine.report.pdf, "find_renderer", lambda: None)
    answer = browser(HEAD).get("/review/2026/annual-review.pdf")
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    assert "no PDF renderer (chromium or wkhtmltopdf) is installed" in answer.text
    assert "download the HTML, open it in a browser and print it to PDF" in answer.text
    assert "/tmp" not in answer.text  # no server path in the message
