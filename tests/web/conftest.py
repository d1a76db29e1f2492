"""A web app on the `app` fixture's database, and browsers signed in as each person of the school."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select, update

import engine.commands.auth
from engine.commands.two_factor import confirm_enrolment
from engine.context import Redress
from engine.rules.clock import FixedClock
from store import Person
from tests.conftest import SCHOOL

PASSWORD = "correct horse battery staple"
SECRET = "test-secret-that-signs-the-session-cookies-0123456789"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id, with small parameters: the tests sign in hundreds of times."""
    monkeypatch.setattr(engine.commands.auth, "hasher", lambda: _CHEAP)
    monkeypatch.setattr(engine.commands.auth, "_dummy_hash", lambda: _CHEAP.hash("nobody"))


def totp_code(app: Redress, email: str) -> str:
    """The code a person's authenticator shows now, 30 seconds on from the last one used (a code is good once)."""
    assert isinstance(app.clock, FixedClock)
    now = app.clock.advance(timedelta(seconds=30))
    return pyotp.TOTP(TOTP_SECRETS[email]).at(now)


class Browser:
    """A TestClient that keeps its cookies, reads the CSRF token off pages, and adds it to forms."""

    def __init__(self, client: TestClient, app: Redress | None = None):
        self.client = client
        self.csrf = ""
        self.app = app

    def get(self, url: str, **kwargs: Any) -> Any:
        response = self.client.get(url, **kwargs)
        found = _CSRF.search(response.text) if "text/html" in response.headers.get("content-type", "") else None
        if found:
            self.csrf = found[1]
        return response

    def post(self, url: str, data: dict[str, Any] | None = None, *, token: str | None = None, **kwargs: Any) -> Any:
        """A form post, with this session's CSRF token unless `token` says otherwise ('' leaves it out)."""
        fields = dict(data or {})
        chosen = self.csrf if token is None else token
        if chosen:
            fields["csrf_token"] = chosen
        return self.client.post(url, data=fields, **kwargs)

    def api(self, method: str, url: str, json: Any = None, **kwargs: Any) -> Any:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.client.request(method, url, json=json, headers=headers, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD, *, second_step: bool = True) -> Any:
        """Sign in with a password, then (unless told not to) the second step with the authenticator's code."""
        self.get("/sign-in")
        response = self.post("/sign-in", {"email": email, "password": password, "next": "/"})
        if second_step and response.status_code == 303 and response.headers["location"].startswith("/two-factor?"):
            assert self.app is not None
            self.get(response.headers["location"])
            response = self.post("/two-factor", {"code": totp_code(self.app, email), "next": "/"})
        if response.status_code == 303 and not response.headers["location"].startswith("/two-factor"):
            self.csrf = self.client.get("/api/me").json()["csrf_token"]
        return response


@pytest.fixture
def passwords(app: Redress) -> None:
    """Everyone in the school has PASSWORD."""
    hashed = engine.commands.auth.hash_password(PASSWORD)
    with app.db.unit_of_work() as session:
        session.execute(update(Person).values(password_hash=hashed))


TOTP_SECRETS = {email: pyotp.random_base32() for _, email, _ in SCHOOL}


@pytest.fixture
def enrolled(app: Redress) -> None:
    """Everyone in the school has an authenticator app enrolled (through the real enrolment)."""
    with app.db.reading() as session:
        ids = {email: person_id for email, person_id in session.execute(select(Person.email, Person.id))}
    for email, secret in TOTP_SECRETS.items():
        confirm_enrolment(app, ids[email], secret, pyotp.TOTP(secret).at(app.clock.now()))


@pytest.fixture
def browser(app: Redress, passwords: None, enrolled: None) -> Iterator[Any]:
    """`browser(email)`: a new browser, signed in as `email` (None: nobody signed in)."""
    from web import create_app

    web = create_app(app, secret=SECRET)
    opened: list[TestClient] = []

    def make(email: str | None = None) -> Browser:
        client = TestClient(web, follow_redirects=False)
        client.__enter__()
        opened.append(client)
        browser = Browser(client, app)
        if email is not None:
            assert browser.sign_in(email).status_code == 303, f"{email} could not sign in"
        return browser

    yield make
    for client in opened:
        client.__exit__(None, None, None)


EMAILS = [email for _, email, _ in SCHOOL]


SENIOR = "senior@school.example"


@pytest.fixture
def senior(app: Redress, monkeypatch: pytest.MonkeyPatch) -> str:
    """Sid Senior, of the senior leadership team; list it before `browser`, which gives them a password and an
    authenticator like everyone else."""
    from engine.commands.people import add_person

    add_person(app, "Sid Senior", SENIOR, ["senior_team"])
    monkeypatch.setitem(TOTP_SECRETS, SENIOR, pyotp.random_base32())
    return SENIOR
