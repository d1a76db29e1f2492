"""Sign-in: a growing wait after 5 failures, one answer for every refusal, every attempt recorded (and pruned),
a deactivated person shut out."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

import engine.commands.auth as auth
from engine.context import Redress
from store import Person, SignIn
from tests.conftest import HEAD, SAM
from tests.web.conftest import PASSWORD


def _sign_ins(app: Redress) -> list[tuple[str, bool, str]]:
    """The password attempts (the second step's codes are recorded too, as method 'two-factor')."""
    with app.db.reading() as session:
        return [
            (s.email, s.succeeded, s.detail)
            for s in session.scalars(select(SignIn).where(SignIn.method == "password").order_by(SignIn.id))
        ]


def test_five_failures_make_the_account_wait_and_the_wait_doubles_up_to_five_minutes(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    person = browser()
    for _ in range(4):
        assert person.sign_in(HEAD, "wrong password!").status_code == 401
    fifth = person.sign_in(HEAD, "wrong password!")
    assert fifth.status_code == 401 and auth.WRONG in fifth.text
    locked = person.sign_in(HEAD, PASSWORD)
    assert locked.status_code == 401 and auth.WRONG in locked.text  # the same answer as a wrong password
    app.clock.advance(timedelta(seconds=61))  # type: ignore[attr-defined]
    assert person.sign_in(HEAD, "wrong password!").status_code == 401  # the sixth: two minutes now
    app.clock.advance(timedelta(seconds=61))  # type: ignore[attr-defined]
    assert person.sign_in(HEAD, PASSWORD).status_code == 401
    app.clock.advance(timedelta(seconds=60))  # type: ignore[attr-defined]
    assert person.sign_in(HEAD, PASSWORD).status_code == 303
    details = [detail for _, _, detail in _sign_ins(app)]
    assert details == ["wrong password"] * 4 + ["wrong password; locked", "locked", "wrong password; locked", "locked", ""]


def test_unknown_wrong_and_locked_get_the_same_answer(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        browser().sign_in(SAM, "wrong password!")
    answers = [
        browser().sign_in(email, password)
        for email, password in (("nobody@school.example", PASSWORD), (HEAD, "wrong password!"), (SAM, PASSWORD))
    ]
    assert {a.status_code for a in answers} == {401}
    problems = {re.search(r'class="problem" role="alert">([^<]*)<', a.text)[1] for a in answers}  # type: ignore[index]
    assert problems == {auth.WRONG}


def test_one_address_is_throttled_whatever_accounts_it_tries(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    with app.db.unit_of_work() as session:
        session.add_all(
            SignIn(email=f"guess{i}@school.example", at=app.clock.now(), succeeded=False, detail="x", client="testclient")
            for i in range(auth.CLIENT_LIMIT)
        )
    assert browser().sign_in(SAM).status_code == 401
    assert _sign_ins(app)[-1] == (SAM, False, "too many failures from this address")
    app.clock.advance(auth.CLIENT_WINDOW)  # type: ignore[attr-defined]
    assert browser().sign_in(SAM).status_code == 303


def test_old_sign_in_records_are_pruned(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    old = app.clock.now() - timedelta(days=app.settings.sign_in_retention_days + 1)
    with app.db.unit_of_work() as session:
        session.add_all(SignIn(email="old@school.example", at=old, succeeded=False, detail="x") for _ in range(3))
    browser().sign_in(SAM)
    assert _sign_ins(app) == [(SAM, True, "")]


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
