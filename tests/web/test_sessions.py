"""Sessions live on the server: a copied cookie dies with sign-out, a password change or reset, a change of
roles, a deactivation, or "sign out everywhere"; idle and absolute time-outs; a new session at sign-in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from engine.commands.people import deactivate, set_roles
from engine.context import Redress
from store import Person, WebSession
from tests.conftest import CHAIR, HEAD, SAM
from tests.web.conftest import PASSWORD, Browser

COOKIE = "redress_session"


def _copy(browser: Any, victim: Browser) -> Browser:
    """A stranger's browser holding a copy of the victim's cookie."""
    thief = browser()
    thief.client.cookies.set(COOKIE, victim.client.cookies.get(COOKIE))
    return thief


def _signed_in(person: Browser) -> bool:
    return int(person.get("/").status_code) == 200


def _person_id(app: Redress, email: str) -> int:
    with app.db.reading() as session:
        return int(session.scalars(select(Person.id).where(Person.email == email)).one())


def test_the_cookie_holds_a_token_and_the_table_only_its_hash(app: Redress, browser: Any) -> None:
    sam = browser(SAM)
    with app.db.reading() as session:
        rows = list(session.scalars(select(WebSession)))
    assert len(rows) == 1 and rows[0].person_id == _person_id(app, SAM) and len(rows[0].id) == 64
    assert rows[0].id not in sam.client.cookies.get(COOKIE)


def test_a_copied_cookie_is_dead_after_sign_out(browser: Any) -> None:
    sam = browser(SAM)
    thief = _copy(browser, sam)
    assert _signed_in(thief)
    sam.post("/sign-out")
    assert not _signed_in(thief) and not _signed_in(sam)


def test_a_copied_cookie_is_dead_after_a_password_change_but_the_changer_stays_signed_in(browser: Any) -> None:
    chair = browser(CHAIR)
    thief = _copy(browser, chair)
    chair.get("/account/password")
    done = chair.post("/account/password", {"current": PASSWORD, "new": "a brand new secret", "repeated": "a brand new secret"})
    assert done.status_code == 303
    assert not _signed_in(thief)
    assert _signed_in(chair)


def test_a_copied_cookie_is_dead_after_a_password_reset(app: Redress, browser: Any) -> None:
    chair = browser(CHAIR)
    thief = _copy(browser, chair)
    head = browser(HEAD)
    head.get("/people")
    assert head.post(f"/people/{_person_id(app, CHAIR)}/password", {"confirm": "yes"}).status_code == 200
    assert not _signed_in(thief) and not _signed_in(chair)


def test_a_change_of_roles_or_a_deactivation_ends_every_session(app: Redress, browser: Any) -> None:
    chair, sam = browser(CHAIR), browser(SAM)
    set_roles(app, CHAIR, ["chair", "staff"])
    deactivate(app, SAM)
    assert not _signed_in(chair) and not _signed_in(sam)
    assert browser().sign_in(CHAIR).status_code == 303


def test_sign_out_everywhere_ends_every_session_of_the_person_only(browser: Any) -> None:
    laptop, phone, other = browser(SAM), browser(SAM), browser(CHAIR)
    laptop.get("/account/password")
    assert laptop.post("/account/sign-out-everywhere").status_code == 303
    assert not _signed_in(laptop) and not _signed_in(phone)
    assert _signed_in(other)


def test_an_idle_session_ends_and_so_does_an_old_one(app: Redress, browser: Any) -> None:
    idle = timedelta(minutes=app.settings.session_idle_minutes)
    sam = browser(SAM)
    app.clock.advance(idle - timedelta(minutes=2))  # type: ignore[attr-defined]
    assert _signed_in(sam)  # use renews the idle clock ...
    app.clock.advance(idle - timedelta(minutes=2))  # type: ignore[attr-defined]
    assert _signed_in(sam)
    app.clock.advance(idle)  # type: ignore[attr-defined]
    assert not _signed_in(sam)  # ... and idleness ends it
    busy = browser(SAM)
    for _ in range(app.settings.session_hours * 2):
        app.clock.advance(timedelta(minutes=30))  # type: ignore[attr-defined]
        busy.get("/")
    assert not _signed_in(busy)  # however busy, it ends session_hours after sign-in


def test_signing_in_replaces_a_session_planted_before_it(browser: Any) -> None:
    """Session fixation: a cookie given to the victim before they sign in is never signed in."""
    attacker = browser()
    attacker.get("/sign-in")
    planted = attacker.client.cookies.get(COOKIE)
    victim = browser()
    victim.client.cookies.set(COOKIE, planted)
    assert victim.sign_in(SAM).status_code == 303
    assert [c.value for c in victim.client.cookies.jar if c.name == COOKIE][-1] != planted
    assert not _signed_in(attacker)
