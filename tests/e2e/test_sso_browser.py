"""Single sign-on in a real headless Chromium: `redress serve` configured by a redress.toml with an Entra ID
provider, and the loopback OpenID provider (tests/support/oidc.py) as the school's tenant.

The browser goes where a person's would: the sign-in page's button, the provider's own page (a form where
the test types who signs in), and back to Redress's callback. tests/web/test_sso.py covers the same rules
through the framework's client; this proves them through the cookies, redirects and pages a browser sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engine.rules.signin import REFUSED
from tests.e2e.browser import NEEDS_CHROMIUM, launched, serving
from tests.e2e.schools import Templates
from tests.e2e.test_browser import HEAD, SAM, three_who_sign_in
from tests.support.oidc import TENANT, Provider, running_provider

pytestmark = [
    pytest.mark.slow,
    NEEDS_CHROMIUM,
]
OTHER_TENANT = "99999999-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Any]:
    with launched() as browser:
        yield browser


@pytest.fixture(scope="module")
def sso_site(tmp_path_factory: pytest.TempPathFactory, templates: Templates, provider: Provider) -> Iterator[str]:
    """The school in `redress serve`, signing in through the loopback provider as its Entra ID tenant: one
    server for the module, each test in a browser context of its own."""
    tmp_path = tmp_path_factory.mktemp("sso")
    config = tmp_path / "redress.toml"
    config.write_text(
        "[[sign_in_providers]]\n"
        'name = "microsoft"\n'
        'kind = "entra"\n'
        f'tenant = "{TENANT}"\n'
        f'issuer = "{provider.issuer}"\n'
        'client_id = "redress-tests"\n'
        'client_secret = "a client secret"\n',
        encoding="utf-8",
    )
    redress = templates.get(three_who_sign_in, None).copy(
        tmp_path, REDRESS_CONFIG=str(config), REDRESS_SECRET_KEY="sso-browser-test-secret-0123456789-0123456789"
    )
    with serving(redress) as url:
        yield url


@pytest.fixture
def page(chromium_browser: Any) -> Iterator[Any]:
    context = chromium_browser.new_context()  # a browser of its own: no cookie from another test
    try:
        yield context.new_page()
    finally:
        context.close()


def through_the_provider(page: Any, url: str, provider: Provider, sub: str, **claims: Any) -> str:
    """Press "Sign in with Microsoft", say at the provider who signs in, and come back: the callback's address."""
    provider.set_user(sub, **claims)
    page.goto(f"{url}/sign-in")
    page.get_by_role("link", name="Sign in with Microsoft").click()
    page.wait_for_url(f"{provider.issuer}/**")
    with page.expect_request(lambda request: "/sign-in/sso/microsoft/callback" in request.url) as callback:
        page.get_by_placeholder("sub").fill(sub)
        page.get_by_role("button", name="Authorize").click()
    page.wait_for_load_state()
    return str(callback.value.url)


def signed_in(page: Any, url: str) -> bool:
    """Whether the browser's cookie opens the dashboard (a stranger is sent to the sign-in page)."""
    page.goto(f"{url}/")
    return "/sign-in" not in page.url


def test_a_member_of_the_tenant_signs_in_with_the_providers_mfa(page: Any, sso_site: str, provider: Provider) -> None:
    through_the_provider(page, sso_site, provider, "helen", email=HEAD, xms_edov=True, tid=TENANT, amr=["pwd", "mfa"])
    assert page.url == f"{sso_site}/", page.url  # straight to the dashboard: the provider's MFA met two-factor
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert signed_in(page, sso_site)


def test_without_the_providers_mfa_the_second_step_is_asked(page: Any, sso_site: str, provider: Provider) -> None:
    through_the_provider(page, sso_site, provider, "helen-pwd", email=HEAD, xms_edov=True, tid=TENANT, amr=["pwd"])
    assert "/two-factor/enrol" in page.url
    page.goto(f"{sso_site}/log")
    assert "/two-factor/" in page.url  # half signed in reads nothing


@pytest.mark.parametrize(
    ("claims", "who"),
    [
        ({"email": HEAD, "xms_edov": True, "tid": OTHER_TENANT}, "an account of another organisation"),
        ({"email": "stranger@school.example", "xms_edov": True, "tid": TENANT}, "someone the school has not added"),
    ],
)
def test_the_wrong_tenant_and_an_unknown_email_are_refused(
    page: Any, sso_site: str, provider: Provider, claims: dict[str, Any], who: str
) -> None:
    through_the_provider(page, sso_site, provider, f"sub-{len(who)}", **claims)
    assert REFUSED in page.content(), who
    assert not signed_in(page, sso_site), who


def test_a_replayed_callback_is_refused(page: Any, sso_site: str, provider: Provider) -> None:
    callback = through_the_provider(page, sso_site, provider, "sam", email=SAM, xms_edov=True, tid=TENANT)
    assert signed_in(page, sso_site)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in**")
    answer = page.goto(callback)  # the same code and state, a second time
    assert answer is not None and answer.status == 400 and REFUSED in page.content()
    assert not signed_in(page, sso_site)
