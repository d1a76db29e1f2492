"""Sign-in: locked for 15 minutes after 5 failures, every attempt recorded, a deactivated person shut out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from engine.context import Redress
from store import Person, SignIn
from tests.conftest import HEAD, SAM
from tests.web.conftest import PASSWORD


def _sign_ins(app: Redress) -> list[tuple[str, bool, str]]:
    with app.db.reading() as session:
        return [(s.email, s.succeeded, s.detail) for s in session.scalars(select(SignIn).order_by(SignIn.id))]


def test_five_failures_lock_the_account_for_fifteen_minutes(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    person = browser()
    for _ in range(4):
        assert person.sign_in(HEAD, "wrong password!").status_code == 401
    fifth = person.sign_in(HEAD, "wrong password!")
    assert fifth.status_code == 401 and "locked for 15 minutes" in fifth.text
    locked = person.sign_in(HEAD, PASSWORD)
    assert locked.status_code == 401 and "locked" in locked.text
    app.clock.advance(timedelta(minutes=14))  # type: ignore[attr-defined]
    assert person.sign_in(HEAD, PASSWORD).status_code == 401
    app.clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    assert person.sign_in(HEAD, PASSWORD).status_code == 303
    details = [detail for _, _, detail in _sign_ins(app)]
    assert details == ["wrong password"] * 4 + ["wrong password; locked", "locked", "locked", ""]


def test_a_success_resets_the_count_of_failures(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        browser().sign_in(HEAD, "wrong password!")
    assert browser().sign_in(HEAD).status_code == 303
    for _ in range(4):
        browser().sign_in(HEAD, "wrong password!")
    assert browser().sign_in(HEAD).status_code == 303


def test_every_attempt_is_recorded_even_for_unknown_people(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    browser().sign_in("nobody@school.example", "whatever it is")
    browser().sign_in(SAM)
    assert _sign_ins(app) == [("nobody@school.example", False, "unknown or inactive person, or no password set"), (SAM, True, "")]


def test_a_deactivated_person_is_signed_out_at_their_next_request(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    sam = browser(SAM)
    assert sam.get("/").status_code == 200
    with app.db.unit_of_work() as session:
        session.execute(update(Person).where(Person.email == SAM).values(active=False))
    assert sam.get("/").status_code == 303
    assert browser().sign_in(SAM).status_code == 401


def test_a_person_without_a_password_cannot_sign_in(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    with app.db.unit_of_work() as session:
        session.execute(update(Person).where(Person.email == SAM).values(password_hash=None))
    assert browser().sign_in(SAM, "").status_code in (401, 422)
    assert browser().sign_in(SAM).status_code == 401


def test_a_tampered_session_cookie_signs_nobody_in(browser) -> None:  # type: ignore[no-untyped-def]
    cookie = browser(SAM).client.cookies.get("redress_session")
    stranger = browser()
    assert stranger.client.get("/", headers={"cookie": f"redress_session={cookie}"}).status_code == 200
    tampered = cookie[:-6] + ("AAAAAA" if not cookie.endswith("AAAAAA") else "BBBBBB")
    assert stranger.client.get("/", headers={"cookie": f"redress_session={tampered}"}).status_code == 303
