"""Two-factor sign-in through the pages: enrolment, a wrong code, recovery codes, remembered browsers, a reset."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from engine.commands.two_factor import RESET, reset_two_factor
from engine.context import Redress
from engine.errors import NotAllowed
from engine.queries.access import load_viewer
from store import Person, SchoolEvent
from tests.conftest import HEAD, SAM
from tests.web.conftest import PASSWORD, TOTP_SECRETS, totp_code


def _viewer(app: Redress, email: str) -> Any:
    with app.db.reading() as session:
        person_id = session.scalar(select(Person.id).where(Person.email == email))
        return load_viewer(session, person_id, app.current_workflow(session).spec)


def _enrol_afresh(app: Redress, browser: Any) -> tuple[Any, str, list[str]]:
    """The headteacher's factor is reset; they sign in, enrol on the page, and get their recovery codes."""
    reset_two_factor(app, _viewer(app, HEAD), _viewer(app, HEAD).id)
    person = browser()
    answer = person.sign_in(HEAD)
    assert answer.headers["location"] == "/two-factor/enrol?next=/"
    assert person.get("/").headers["location"] == "/two-factor/enrol?next=/"
    page = person.get("/two-factor/enrol")
    assert "<svg" in page.text
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page.text)[1]  # type: ignore[index]
    wrong = person.post("/two-factor/enrol", {"code": "000000", "next": "/"})
    assert wrong.status_code == 303 and wrong.headers["location"] == "/two-factor/enrol?next=/"  # post/redirect/get
    again = person.get(wrong.headers["location"]).text
    assert again.count("does not match") == 2  # once in the error summary, once by the field
    assert 'class="error-summary"' in again and 'href="#code"' in again and 'aria-invalid="true"' in again
    assert f'<code class="secret">{secret}</code>' in again  # the same key, still to be confirmed
    done = person.post("/two-factor/enrol", {"code": pyotp.TOTP(secret).at(app.clock.now()), "next": "/"})
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.text)
    assert done.status_code == 200 and len(codes) == 10
    return person, secret, codes


def test_enrolment_then_sign_in_with_the_app(app: Redress, browser: Any) -> None:
    person, secret, _ = _enrol_afresh(app, browser)
    assert person.get("/").status_code == 200
    TOTP_SECRETS[HEAD], old = secret, TOTP_SECRETS[HEAD]
    try:
        assert browser(HEAD).get("/").status_code == 200  # signs in with a code from the new secret
    finally:
        TOTP_SECRETS[HEAD] = old
    with app.db.reading() as session:
        kinds = list(session.scalars(select(SchoolEvent.kind).order_by(SchoolEvent.seq)))
    assert kinds[-2:] == [RESET, "two_factor_enrolled"]


def test_a_wrong_code_is_refused_and_the_pages_stay_shut(app: Redress, browser: Any) -> None:
    person = browser()
    assert person.sign_in(HEAD, second_step=False).headers["location"] == "/two-factor?next=/"
    person.get("/two-factor")
    wrong = person.post("/two-factor", {"code": "123456", "next": "/"})
    assert wrong.status_code == 303 and wrong.headers["location"] == "/two-factor?next=/"  # post/redirect/get
    again = person.get(wrong.headers["location"])
    assert again.status_code == 200 and again.text.count("that code is not right") == 2  # the summary, the field
    assert 'class="error-summary"' in again.text and "<title>Error: " in again.text
    assert "that code is not right" not in person.get("/two-factor").text  # shown once, not on every reload
    assert person.get("/log").headers["location"] == "/two-factor?next=/log"
    assert person.client.get("/api/me").status_code == 401


def test_a_code_is_good_once(app: Redress, browser: Any) -> None:
    first, second = browser(), browser()
    for person in (first, second):
        person.sign_in(HEAD, second_step=False)
        person.get("/two-factor")
    code = totp_code(app, HEAD)
    assert first.post("/two-factor", {"code": code, "next": "/"}).status_code == 303
    assert second.post("/two-factor", {"code": code, "next": "/"}).headers["location"] == "/two-factor?next=/"


def test_a_recovery_code_works_once(app: Redress, browser: Any) -> None:
    _, _, codes = _enrol_afresh(app, browser)
    first = browser()
    first.sign_in(HEAD, second_step=False)
    first.get("/two-factor")
    assert first.post("/two-factor", {"code": codes[3].upper(), "next": "/"}).status_code == 303
    again = browser()
    again.sign_in(HEAD, second_step=False)
    again.get("/two-factor")
    assert again.post("/two-factor", {"code": codes[3], "next": "/"}).headers["location"] == "/two-factor?next=/"


def test_remember_this_browser_skips_the_step_within_its_window_only(app: Redress, browser: Any) -> None:
    person = browser()
    person.sign_in(HEAD, second_step=False)
    person.get("/two-factor")
    assert person.post("/two-factor", {"code": totp_code(app, HEAD), "next": "/", "remember": "yes"}).status_code == 303
    person.post("/sign-out")
    assert person.sign_in(HEAD, second_step=False).headers["location"] == "/"
    person.post("/sign-out")
    app.clock.advance(timedelta(days=app.settings.remember_browser_days, minutes=1))  # type: ignore[attr-defined]
    assert person.sign_in(HEAD, second_step=False).headers["location"] == "/two-factor?next=/"
    stranger = browser()  # another browser was never remembered
    assert stranger.sign_in(HEAD, second_step=False).headers["location"] == "/two-factor?next=/"


def test_staff_who_see_no_case_detail_are_not_asked(browser: Any) -> None:
    person = browser()
    assert person.sign_in(SAM, second_step=False).headers["location"] == "/"


def test_only_the_holder_of_manage_people_resets_a_factor(app: Redress) -> None:
    with pytest.raises(NotAllowed):
        reset_two_factor(app, _viewer(app, SAM), _viewer(app, HEAD).id)


def test_two_factor_off_asks_nobody(database_url: str, tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from engine.commands.auth import set_password
    from engine.commands.people import add_person
    from tests.conftest import make_app
    from tests.web.conftest import SECRET, Browser
    from web import create_app

    redress = make_app(database_url, tmp_path, two_factor="off")
    try:
        add_person(redress, "Helen Head", HEAD, ["headteacher"])
        set_password(redress, HEAD, PASSWORD)
        with TestClient(create_app(redress, secret=SECRET), follow_redirects=False) as client:
            assert Browser(client, redress).sign_in(HEAD, second_step=False).headers["location"] == "/"
    finally:
        redress.close()


def test_the_access_page_shows_factors_and_failures_and_resets_after_asking_twice(app: Redress, browser: Any) -> None:
    browser().sign_in(SAM, "not the password")
    head = browser(HEAD)
    page = head.get("/access")
    assert page.status_code == 200 and "authenticator app since" in page.text and "refused: wrong password" in page.text
    sam = _viewer(app, SAM).id
    asked = head.post(f"/access/{sam}/reset-two-factor")
    assert asked.status_code == 200 and "Yes, reset Sam Staff" in asked.text
    assert head.post(f"/access/{sam}/reset-two-factor", {"confirm": "yes"}).status_code == 303
    with app.db.reading() as session:
        assert session.scalar(select(Person.totp_secret).where(Person.id == sam)) is None
        assert session.scalars(select(SchoolEvent.kind).order_by(SchoolEvent.seq.desc())).first() == RESET


def test_a_session_owing_the_second_step_reads_no_case_and_is_sent_to_finish_signing_in(app: Redress, browser: Any) -> None:
    from tests.web import school
    from tests.web.test_read_side import counted

    made = school.build(app)
    person = browser()
    person.sign_in(HEAD, second_step=False)
    with counted(app) as counts:
        page = person.get(f"/cases/{made.escalated}")
    assert page.headers["location"] == f"/two-factor?next=/cases/{made.escalated}"
    assert counts.transactions == 1  # the session's standing is read in the page's one transaction
    assert not any(re.search(r"\bFROM cases\b", s) for s in counts.statements)  # and nothing of the case
    assert person.client.get(f"/api/cases/{made.escalated}").status_code == 401
    assert person.get("/two-factor").status_code == 200  # the session lives on, for its second step


def test_the_secret_is_kept_sealed_and_a_wrong_key_is_one_line_on_the_page(app: Redress, browser: Any) -> None:
    from engine.commands.two_factor import WRONG_KEY
    from store import sealed

    assert browser(HEAD).get("/").status_code == 200  # signed in with a code from the sealed secret
    with app.db.reading() as session:
        kept = session.scalar(select(Person.totp_secret).where(Person.email == HEAD))
    assert kept is not None and kept.startswith(sealed.PREFIX) and TOTP_SECRETS[HEAD] not in kept

    sealed.use_key(app.db.engine, b"not the key the secrets were sealed with, though long enough")
    person = browser()
    person.sign_in(HEAD, second_step=False)
    person.get("/two-factor")
    answer = person.post("/two-factor", {"code": totp_code(app, HEAD), "next": "/"})
    assert answer.status_code == 422 and WRONG_KEY in html.unescape(answer.text) and "Traceback" not in answer.text
    assert person.get("/").headers["location"] == "/two-factor?next=/"  # still not signed in
