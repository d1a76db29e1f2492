"""Passwords in the browser: the headteacher gives one (shown once), each person changes their own."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from engine.commands.people import add_person
from engine.context import Redress
from store import Person
from tests.conftest import CHAIR, HEAD
from tests.web.conftest import PASSWORD

ISSUED = re.compile(r"is <code>([^<]+)</code>")


def _person_id(app: Redress, email: str) -> int:
    with app.db.reading() as session:
        return int(session.scalars(select(Person.id).where(Person.email == email)).one())


def test_the_headteacher_gives_a_new_person_a_password_they_can_sign_in_with(app: Redress, browser: Any) -> None:
    add_person(app, "Nina New", "nina@school.example", ["staff"])
    head = browser(HEAD)
    asked = head.post(f"/people/{_person_id(app, 'nina@school.example')}/password")
    assert asked.status_code == 200 and "Set a new password for Nina New?" in asked.text and not ISSUED.search(asked.text)
    response = head.post(f"/people/{_person_id(app, 'nina@school.example')}/password", {"confirm": "yes"})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    password = ISSUED.search(response.text)[1]  # type: ignore[index]
    assert len(password) == 14
    assert head.get("/people").text.count(password) == 0  # shown once, never again
    assert browser(None).sign_in("nina@school.example", password).status_code == 303


def test_only_the_headteacher_gives_passwords_and_never_without_a_csrf_token(app: Redress, browser: Any) -> None:
    target = _person_id(app, CHAIR)
    assert browser(CHAIR).post(f"/people/{target}/password", {"confirm": "yes"}).status_code == 403
    assert browser(HEAD).post(f"/people/{target}/password", {"confirm": "yes"}, token="").status_code == 403
    assert browser(None).sign_in(CHAIR).status_code == 303  # the chair's password is unchanged


def test_a_person_changes_their_own_password_only_with_the_current_one(app: Redress, browser: Any) -> None:
    chair = browser(CHAIR)
    chair.get("/account/password")
    wrong = chair.post(
        "/account/password", {"current": "not it at all", "new": "a brand new secret", "repeated": "a brand new secret"}
    )
    assert wrong.status_code == 303 and '<a href="#current">the current password is wrong' in chair.get("/account/password").text
    differ = chair.post("/account/password", {"current": PASSWORD, "new": "a brand new secret", "repeated": "another secret!"})
    assert differ.status_code == 303
    again = chair.get("/account/password")
    assert '<a href="#repeated">the two new passwords differ' in again.text and "a brand new secret" not in again.text
    done = chair.post("/account/password", {"current": PASSWORD, "new": "a brand new secret", "repeated": "a brand new secret"})
    assert done.status_code == 303
    assert browser(None).sign_in(CHAIR).status_code == 401
    assert browser(None).sign_in(CHAIR, "a brand new secret").status_code == 303
