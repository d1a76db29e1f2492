"""Single sign-on against a real OpenID Connect provider on loopback: who gets in, who is refused, and the record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.commands.auth import sign_in
from engine.commands.people import add_person
from engine.context import Redress
from engine.rules.signin import REFUSED
from store import SignIn
from tests.conftest import SCHOOL, make_app
from tests.support.oidc import TENANT, Provider, running_provider
from tests.web.conftest import SECRET, Browser

HEAD = "head@school.example"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def _app(database_url: str, tmp_path: Path, provider: Provider, **settings: Any) -> Redress:
    redress = make_app(
        database_url, tmp_path, sign_in_providers=[provider.settings(), provider.settings("google", "google")], **settings
    )
    for name, email, roles in SCHOOL:
        add_person(redress, name, email, roles)
    return redress


@pytest.fixture
def sso_app(database_url: str, tmp_path: Path, provider: Provider) -> Iterator[Redress]:
    redress = _app(database_url, tmp_path, provider)
    yield redress
    redress.close()


def _browser(redress: Redress) -> Iterator[Browser]:
    from web import create_app

    with TestClient(create_app(redress, secret=SECRET), follow_redirects=False) as client:
        yield Browser(client, redress)


@pytest.fixture
def browser(sso_app: Redress) -> Iterator[Browser]:
    yield from _browser(sso_app)


def _sso(browser: Browser, provider: Provider, sub: str, name: str = "entra", **claims: Any) -> Any:
    """Press the provider's button, pick `sub` there, and come back: the callback's answer."""
    provider.set_user(sub, **claims)
    start = browser.get(f"/sign-in/sso/{name}?next=/log")
    assert start.status_code == 303
    back = urlsplit(provider.authorize(start.headers["location"], sub))
    return browser.get(f"{back.path}?{back.query}")


def _record(redress: Redress) -> list[tuple[str, bool, str, str]]:
    with redress.db.reading() as session:
        return [(s.email, s.succeeded, s.detail, s.method) for s in session.scalars(select(SignIn).order_by(SignIn.id))]


def test_the_redirect_carries_state_nonce_and_a_pkce_challenge(browser: Browser) -> None:
    location = browser.get("/sign-in/sso/entra").headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 40 and len(query["nonce"][0]) >= 40 and query["client_id"] == ["redress-tests"]
    assert query["redirect_uri"] == ["http://testserver/sign-in/sso/entra/callback"]


def test_a_verified_email_of_the_tenant_signs_in_and_mfa_at_the_provider_meets_two_factor(
    browser: Browser, provider: Provider, sso_app: Redress
) -> None:
    answer = _sso(browser, provider, "head-1", email="Head@School.example", xms_edov=True, tid=TENANT, amr=["pwd", "mfa"])
    assert answer.status_code == 303 and answer.headers["location"] == "/log"
    assert browser.get("/log").status_code == 200
    assert _record(sso_app)[-1] == (HEAD, True, "", "sso:entra")


def test_without_mfa_at_the_provider_the_second_step_is_still_asked(browser: Browser, provider: Provider) -> None:
    answer = _sso(browser, provider, "head-2", email=HEAD, xms_edov=True, tid=TENANT, amr=["pwd"])
    assert answer.headers["location"] == "/two-factor/enrol?next=/log"


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"email": HEAD, "xms_edov": True, "tid": "99999999-2222-3333-4444-555555555555"}, "wrong tenant"),
        ({"email": "stranger@school.example", "xms_edov": True, "tid": TENANT}, "no active person with that email"),
        ({"email": HEAD, "xms_edov": False, "tid": TENANT}, "the provider did not vouch for an email"),
        ({"tid": TENANT}, "the provider did not vouch for an email"),
    ],
)
def test_the_wrong_tenant_an_unknown_or_unverified_email_is_refused_and_recorded(
    browser: Browser, provider: Provider, sso_app: Redress, claims: dict[str, Any], why: str
) -> None:
    answer = _sso(browser, provider, f"someone-{why}", **claims)
    assert answer.status_code == 401 and REFUSED in answer.text
    assert browser.client.get("/api/me").status_code == 401
    _, succeeded, detail, method = _record(sso_app)[-1]
    assert (succeeded, method) == (False, "sso:entra") and detail.startswith(why)


def test_a_google_account_outside_the_hosted_domain_is_refused(browser: Browser, provider: Provider, sso_app: Redress) -> None:
    refused = _sso(browser, provider, "g-1", name="google", email=HEAD, email_verified=True, hd="elsewhere.example")
    assert refused.status_code == 401 and _record(sso_app)[-1][2].startswith("wrong hosted domain")
    allowed = _sso(browser, provider, "g-2", name="google", email="sam@school.example", email_verified=True, hd="school.example")
    assert allowed.status_code == 303 and allowed.headers["location"] == "/log"


def test_a_replayed_or_forged_state_is_refused(browser: Browser, provider: Provider, sso_app: Redress) -> None:
    provider.set_user("sam", email="sam@school.example", xms_edov=True, tid=TENANT)
    start = browser.get("/sign-in/sso/entra")
    back = urlsplit(provider.authorize(start.headers["location"], "sam"))
    assert browser.get(f"{back.path}?{back.query}").status_code == 303
    browser.post("/sign-out")
    replayed = browser.get(f"{back.path}?{back.query}")
    assert replayed.status_code == 400 and REFUSED in replayed.text
    browser.get("/sign-in/sso/entra")
    forged = browser.get(f"{back.path}?code=x&state=not-the-state")
    assert forged.status_code == 400
    assert [detail for _, _, detail, _ in _record(sso_app)[-2:]] == ["state missing, replayed or not this browser's"] * 2


def test_password_sign_in_can_be_turned_off_when_sso_is_on(database_url: str, tmp_path: Path, provider: Provider) -> None:
    redress = _app(database_url, tmp_path, provider, password_sign_in=False)
    try:
        for browser in _browser(redress):
            page = browser.get("/sign-in")
            assert "Sign in with Microsoft" in page.text and 'type="password"' not in page.text
        refused = sign_in(redress, HEAD, "whatever it is")  # the engine refuses it too, whatever posts it
        assert refused.token is None and "turned off" in refused.message
    finally:
        redress.close()
