"""The annual review signed off in a real headless Chromium: `redress serve` on the demo school with a nominated
director; a sign-off before the checklist is answered is refused (the error summary takes focus); the coordinator
answers the checklist; the three reviewers sign; the page shows the next review date, a year on."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.rules.review import CHECKLIST, a_year_on
from tests.e2e.browser import NEEDS_CHROMIUM, launched, serving
from tests.e2e.cli import Redress
from tests.e2e.schools import Template
from tests.e2e.test_accessibility import DOMAIN, PASSWORD, demo_school, sign_in

pytestmark = [
    pytest.mark.slow,
    NEEDS_CHROMIUM,
]


def demo_with_director(redress: Redress) -> None:
    demo_school(redress)
    email = f"director@{DOMAIN}"
    redress("people", "add", "--name", "Dora Director", "--email", email, "--role", "nominated_director")
    done = subprocess.run(
        redress.command("people", "set-password", email, "--password-stdin"),
        input=PASSWORD + "\n",
        cwd=redress.folder,
        env=redress.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def site(tmp_path: Path, template: Callable[..., Template]) -> Iterator[str]:
    redress = template(demo_with_director).copy(
        tmp_path, REDRESS_SECRET_KEY="review-test-secret-0123456789-0123456789-01", REDRESS_TWO_FACTOR="optional"
    )
    with serving(redress, "--no-worker") as url:
        yield url


@pytest.fixture
def chromium() -> Iterator[Any]:
    with launched() as browser:
        yield browser


def as_person(chromium: Any, site: str, local: str) -> Any:
    page = chromium.new_context(viewport={"width": 1200, "height": 900}).new_page()
    sign_in(page, site, local)
    page.goto(f"{site}/review")
    return page


def test_the_three_reviewers_sign_off_the_annual_review(site: str, chromium: Any) -> None:
    head = as_person(chromium, site, "head")
    head.get_by_role("button", name="Sign as the headteacher").click()
    head.wait_for_url(f"{site}/review?year=*")
    summary = head.locator(".error-summary")
    assert summary.count() == 1 and "answer every point before signing" in summary.inner_text()
    assert head.evaluate("document.activeElement.classList.contains('error-summary')")

    coordinator = as_person(chromium, site, "coordinator")
    for number, point in enumerate(CHECKLIST, start=1):
        group = coordinator.get_by_role("group", name=f"{number}. {point}")
        group.get_by_label("N/A" if point == "Local community aware of this policy" else "Yes").check()
    coordinator.get_by_label("Evidence").nth(14).fill("Budget line 4.2, agreed by the directors")
    coordinator.get_by_label("A statement outlining the overall effectiveness").fill("It is effective and suitable for purpose")
    coordinator.get_by_role("button", name="Save the answers").click()
    coordinator.wait_for_url(f"{site}/review?year=*")
    assert "answer(s) saved" in coordinator.locator(".flash").first.inner_text()
    coordinator.get_by_role("button", name="Sign as the e-Safety coordinator").click()
    coordinator.wait_for_url(f"{site}/review?year=*")
    assert "Still to sign: the headteacher and the nominated director" in coordinator.locator(".flash").first.inner_text()

    head.reload()
    head.get_by_role("button", name="Sign as the headteacher").click()
    head.wait_for_url(f"{site}/review?year=*")
    director = as_person(chromium, site, "director")
    assert director.get_by_role("button", name="Sign as the headteacher").count() == 0  # only her own role
    director.get_by_role("button", name="Sign as the nominated director").click()
    director.wait_for_url(f"{site}/review?year=*")
    today = datetime.now(ZoneInfo("Europe/London")).date()
    sign_off = director.locator("#sign-off").inner_text()
    assert f"The next review is due on {a_year_on(today):%d %B %Y}" in sign_off
    assert "Cora Coordinator" in sign_off and "Helen Head" in sign_off and "Dora Director" in sign_off
    assert director.get_by_role("button", name="Save the answers").count() == 0  # signed off: no more changes
    record = director.get_by_role("heading", name="Who answered and signed, and when").locator("..").inner_text()
    assert "Cora Coordinator: answered 'Funding in place': Yes (Budget line 4.2, agreed by the directors)" in record
