"""Every page, in every role, checked by axe-core (WCAG 2.2 A and AA rules) in a real headless Chromium, and
reflowed at 320 CSS pixels wide without a horizontal scroll bar (WCAG 1.4.10).

The school is the demo school of `redress init --demo` (a person for every role, cases at several stages),
with a mail server that does not answer, so the outbox and the dashboard have mail trouble to show.
axe-core itself comes from the `axe-playwright-python` package (its `axe.min.js`), pinned in the test extra.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import NEEDS_CHROMIUM, free_port, launched, serving
from tests.e2e.cli import Redress
from tests.e2e.schools import Template

PASSWORD = "a long password for the test"
DOMAIN = "demo-school.example"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
NARROW = 320
SLACK = 2
"""Pixels of rounding a browser may add to the scroll width."""

pytestmark = [
    pytest.mark.slow,
    NEEDS_CHROMIUM,
]

# What each person opens: (what it is, the path). A path may be a callable that drives the page into a state.
PAGES: dict[str, list[tuple[str, str]]] = {
    "head": [
        ("dashboard", "/"),
        ("case, full", "/cases/4"),
        ("case at gathering evidence", "/cases/2"),
        ("letter drafted from the meeting arranged", "/cases/3/letters/meeting_invitation"),
        ("letter not yet possible", "/cases/2/letters/site_ban"),
        ("open a case", "/cases/new"),
        ("incident log", "/log"),
        ("incident log, filtered", "/log?category=staff_offensive&stage=reported"),
        ("report", "/report"),
        ("annual review", "/review"),
        ("outbox", "/outbox"),
        ("people", "/people"),
        ("people changes", "/people/changes"),
        ("workflow", "/workflow"),
        ("account", "/account/password"),
        ("set up two-factor", "/two-factor/enrol"),
        ("reports from staff", "/reports"),
        ("sign-in and access", "/access"),
        ("subject access requests", "/subject-requests"),
        ("a subject access request", "/subject-requests/1"),
        ("certificates of erasure", "/erasures"),
        ("no such page", "/no-such-page"),
        ("no such case", "/cases/999"),
    ],
    "chair": [
        ("dashboard", "/"),
        ("case, full", "/cases/4"),
        ("report", "/report"),
        ("annual review", "/review"),
        ("people changes", "/people/changes"),
    ],
    "coordinator": [
        ("dashboard", "/"),
        ("case logged", "/cases/1"),
        ("case not theirs", "/cases/2"),
        ("incident log", "/log"),
        ("outbox", "/outbox"),
        ("report", "/report"),
        ("annual review", "/review"),
    ],
    "equalities": [("dashboard", "/"), ("prejudice case", "/cases/5")],
    "sam": [("dashboard", "/"), ("matter", "/cases/1"), ("not allowed", "/people"), ("report a post", "/reports/new")],
}


def demo_school(redress: Redress) -> None:
    """The demo school, every person given a known password, and email that could not be sent (no server answers)."""
    redress("init", "--demo")
    for local in ("head", "chair", "coordinator", "equalities", "sam", "tess"):
        done = subprocess.run(
            redress.command("people", "set-password", f"{local}@{DOMAIN}", "--password-stdin"),
            input=PASSWORD + "\n",
            cwd=redress.folder,
            env=redress.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    head = ("--as", f"head@{DOMAIN}")
    redress("subject", "receive", *head, "--requester", "J. Parent", "--about", "J. Parent", "--received", "2026-11-02")
    redress.env["REDRESS_SMTP_HOST"], redress.env["REDRESS_SMTP_PORT"] = "127.0.0.1", str(free_port())
    redress("worker", "--once")


@pytest.fixture(scope="module")
def axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def demo(tmp_path: Path, template: Callable[..., Template]) -> Iterator[str]:
    # Two-factor is optional here so that every person reaches every page with a password; the set-up page of
    # the second step is among the pages audited (its sign-in step is tested in tests/web/test_two_factor.py).
    redress = template(demo_school).copy(
        tmp_path, REDRESS_SECRET_KEY="a11y-test-secret-0123456789-0123456789-0123", REDRESS_TWO_FACTOR="optional"
    )
    with serving(redress, "--no-worker") as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    with launched() as chromium:
        yield chromium


def sign_in(page: Any, url: str, local: str) -> None:
    page.goto(f"{url}/sign-in")
    page.get_by_label("Email").fill(f"{local}@{DOMAIN}")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")


def problems(page: Any, axe: Any, what: str) -> list[str]:
    """axe's violations on this page, and a horizontal scroll at 320 px, one line each."""
    found = []
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    for violation in results.response["violations"]:
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        found.append(f"{what}: {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    page.set_viewport_size({"width": NARROW, "height": 800})
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > NARROW + SLACK:
        wide = page.evaluate(f"""[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > {NARROW + SLACK})
            .slice(-3).map(e => e.tagName + '.' + e.className).join(', ')""")
        found.append(f"{what}: {width} px wide at {NARROW} px (wider: {wide})")
    page.set_viewport_size({"width": 1200, "height": 900})
    return found


def check(page: Any, axe: Any, url: str, pages: list[tuple[str, str]], who: str) -> list[str]:
    found = []
    for what, path in pages:
        page.goto(url + path)
        found += problems(page, axe, f"{who}, {what} ({path})")
    return found


@pytest.mark.parametrize("who", sorted(PAGES))
def test_every_page_passes_axe_and_reflows_at_320_px(demo: str, browser: Any, axe: Any, who: str) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    found = []
    if who == "head":
        page.goto(f"{demo}/sign-in")
        found += problems(page, axe, "signed out, sign-in")
    sign_in(page, demo, who)
    found += check(page, axe, demo, PAGES[who], who)
    if who == "head":
        page.goto(f"{demo}/cases/new")
        page.get_by_role("button", name="Open the case").click()
        found += problems(page, axe, "head, open a case refused")
        page.goto(f"{demo}/cases/2")
        page.get_by_role("button", name="Arrange a meeting with the poster").click()
        found += problems(page, axe, "head, an action refused")
        page.goto(f"{demo}/cases/3/letters/legal_warning")
        page.get_by_label("The letter").fill("")
        page.get_by_role("button", name="Record the letter as sent").click()
        page.wait_for_selector(".error-summary")
        found += problems(page, axe, "head, a letter refused")
        page.goto(f"{demo}/subject-requests")
        page.get_by_role("button", name="Log the request").click()
        found += problems(page, axe, "head, a subject access request refused")
        page.get_by_label("Names, email addresses or pupil references").fill("J. Parent")
        page.get_by_role("button", name="Find").click()
        assert page.locator("caption", has_text="Cases that mention J. Parent").count() == 1
        found += problems(page, axe, "head, a person found across cases")
        page.goto(f"{demo}/review")
        page.get_by_role("button", name="Sign as the headteacher").click()
        found += problems(page, axe, "head, annual review sign-off refused")
        page.goto(f"{demo}/two-factor/enrol")
        page.get_by_label("Code from the app").fill("000000")
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        page.locator(".error-summary").wait_for()
        found += problems(page, axe, "head, two-factor set-up refused")
    if who == "sam":
        page.goto(f"{demo}/reports/new")
        page.get_by_label("What was posted, and where").fill("   ")  # past the browser's check, refused by the server
        page.get_by_role("button", name="Send the report").click()
        page.locator(".error-summary").wait_for()
        found += problems(page, axe, "sam, a report refused")
    assert not found, "\n".join(found)


def test_a_refused_form_focuses_its_error_summary_and_reloads_without_405(demo: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    sign_in(page, demo, "head")
    page.goto(f"{demo}/cases/new")
    page.get_by_label("What was posted, and where").fill("A post about the school")
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url(f"{demo}/cases/new")
    summary = page.locator(".error-summary")
    assert summary.count() == 1
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.title().startswith("Error:")
    link = summary.get_by_role("link").first
    assert link.get_attribute("href") == "#categories"
    assert page.get_by_label("What was posted, and where").input_value() == "A post about the school"
    response = page.reload()
    assert response is not None and response.status == 200
    assert page.locator(".error-summary").count() == 0  # shown once: the flash is spent
