"""End to end in a real headless Chromium (Debian's, driven by Playwright): `redress serve` as a subprocess on
a SQLite file, with the worker sending real SMTP to a local mail catcher.

The headteacher signs in, opens a case, uploads evidence and moves it to the chair meeting; the chair
signs in and sees it; the chair's email arrives. Screenshots of the main pages go to artefacts/screenshots/
(REDRESS_SCREENSHOTS names another folder: docs/screenshots/ holds the ones the docs show).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.e2e.browser import NEEDS_CHROMIUM, launched, serving
from tests.e2e.cli import Redress
from tests.e2e.schools import Template
from tests.web.school import PNG

HEAD, CHAIR, SAM = "head@school.example", "chair@school.example", "sam@school.example"
PASSWORD = "a long password for the test"
SHOTS = Path(os.environ.get("REDRESS_SCREENSHOTS", ROOT / "artefacts" / "screenshots"))

pytestmark = [
    pytest.mark.slow,
    NEEDS_CHROMIUM,
]


def three_who_sign_in(redress: Redress) -> None:
    """`redress init`, then a headteacher, a chair and a member of staff, each given a password."""
    redress("init")
    for name, email, role in (
        ("Helen Head", HEAD, "headteacher"),
        ("Charles Chair", CHAIR, "chair"),
        ("Sam Staff", SAM, "staff"),
    ):
        redress("people", "add", "--name", name, "--email", email, "--role", role)
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
def site(tmp_path: Path, template: Callable[..., Template]) -> Iterator[dict[str, Any]]:
    """A school in `redress serve` (with its worker), and the mail catcher it sends to."""
    from notifications.mailbox import running_mailbox

    mail = tmp_path / "mail"
    with running_mailbox(mail) as smtp_port:
        redress = template(three_who_sign_in).copy(
            tmp_path, REDRESS_MAILBOX_PORT=str(smtp_port), REDRESS_SECRET_KEY="browser-test-secret-0123456789-0123456789"
        )
        with serving(redress) as url:
            yield {"url": url, "mail": mail, "folder": tmp_path}


@pytest.fixture
def chromium() -> Iterator[Any]:
    with launched() as browser:
        yield browser


def sign_in(page: Any, url: str, email: str) -> None:
    """Sign in with the password; the headteacher and the chair see case detail, so they then set up
    two-factor sign-in on the page, as a person would (the secret read off the page into an authenticator)."""
    import pyotp

    page.goto(f"{url}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/two-factor/enrol" in page.url:
        secret = page.locator("code.secret").inner_text()
        page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        assert page.locator("ul.codes li").count() == 10
        page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url(f"{url}/")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def open_case(page: Any, url: str) -> str:
    page.get_by_role("link", name="Open a case").click()
    page.get_by_label("Negative or offensive comment made about school staff").check()
    page.get_by_label("What was posted, and where").fill("A parent called Mr Staff useless in the parents' Facebook group.")
    page.get_by_label("Sam Staff").check()
    page.get_by_label("Where it was posted").fill("Facebook")
    page.get_by_label("Link to the post").fill("https://facebook.example/groups/parents/posts/1")
    shot(page, "open-case")
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url(f"{url}/cases/*")
    return str(page.url)


def move_to_chair_meeting(page: Any, evidence: Path) -> None:
    page.get_by_role("group", name="The staff concerned have been spoken to and reassured").get_by_label("Yes").check()
    page.get_by_role("button", name="Acknowledge and start the investigation").click()
    page.get_by_text("The case is now at 'Gathering evidence'").wait_for()
    page.get_by_label("Screenshot or saved page").set_input_files(str(evidence))
    page.get_by_label("What it shows (optional)").first.fill("The post, before it was edited")
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("The file is stored as evidence.").wait_for()
    # not the next step at "Gathering evidence" (that is arranging a meeting): one of the other actions
    act(
        page,
        "Bring the case to the chair of directors",
        {"Why the case goes to the chair": "The parent refuses to meet and keeps posting."},
    )
    page.get_by_text("The case is now at 'Meeting with the chair'").wait_for()


def wait_for_mail(folder: Path, to: str, seconds: float = 45) -> Any:
    from notifications.errors import NotificationError
    from notifications.mailbox import list_messages

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = [m for m in list_messages(folder) if to in m.to]
        except NotificationError:
            found = []
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"no email to {to} arrived at the mail catcher")


def test_headteacher_takes_a_case_to_the_chair_who_sees_it_and_is_emailed(site: dict[str, Any], chromium: Any) -> None:
    url = site["url"]
    evidence = site["folder"] / "screenshot.png"
    evidence.write_bytes(PNG)
    head = chromium.new_page(viewport={"width": 1200, "height": 900})
    sign_in(head, url, HEAD)
    case_url = open_case(head, url)
    assert head.get_by_role("heading", level=1).inner_text().endswith("Reported")
    move_to_chair_meeting(head, evidence)
    assert "SHA-256" in head.content()
    unfold(head, "details#integrity")  # the integrity detail is one folded panel under the chronology
    assert head.get_by_text("Verified: all").is_visible()
    shot(head, "case")
    head.goto(f"{url}/")
    shot(head, "dashboard")
    head.goto(f"{url}/workflow")
    shot(head, "workflow")

    chair = chromium.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(chair, url, CHAIR)
    shot(chair, "phone-dashboard")
    chair.get_by_role("cell").get_by_role("link", name=f"Case {case_url.rsplit('/', 1)[1]}", exact=True).click()
    assert "Meeting with the chair" in chair.get_by_role("heading", level=1).inner_text()
    assert chair.get_by_role("button", name="Record the meeting with the chair").is_visible()
    shot(chair, "phone-case")

    mail = wait_for_mail(site["mail"], CHAIR)
    assert any("chair" in message.subject.lower() or "case" in message.subject.lower() for message in mail)


def test_a_page_typed_by_hand_gives_the_staff_member_no_data(site: dict[str, Any], chromium: Any) -> None:
    url = site["url"]
    sam = chromium.new_page()
    sign_in(sam, url, SAM)
    for path, status in (("/cases/1", 404), ("/people", 403), ("/outbox", 403), ("/log", 403)):
        response = sam.goto(url + path)
        assert response is not None and response.status == status, path
    sam.goto(f"{url}/sign-in")
    shot(sam, "sign-in")


def test_the_headteacher_downloads_a_case_bundle_from_the_case_page(site: dict[str, Any], chromium: Any) -> None:
    import zipfile

    url = site["url"]
    head = chromium.new_page(accept_downloads=True)
    sign_in(head, url, HEAD)
    open_case(head, url)
    with head.expect_download() as waiting:
        head.get_by_role("link", name="Export the case (ZIP)").click()
    bundle = site["folder"] / "bundle.zip"
    waiting.value.save_as(str(bundle))
    names = zipfile.ZipFile(bundle).namelist()
    assert {"MANIFEST.sha256", "chronology.html", "audit-trail.json", "verification.json"} <= set(names)
    head.get_by_role("link", name="Who has seen this case").click()
    assert "exported the case" in head.content()


def unfold(page: Any, selector: str) -> None:
    """Open a folded part of the page (<details>), as a person clicks its summary."""
    details = page.locator(selector)
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()


def act(page: Any, title: str, fields: dict[str, str]) -> None:
    """Fill an action's form (the next step, or one of the other actions) and take it."""
    form = page.locator("form.action").filter(has=page.get_by_role("heading", name=title, exact=True))
    if not form.is_visible():
        unfold(page, "#other-actions")
    for label, value in fields.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name=title).click()
    page.get_by_text(f"Done: {title}.").wait_for()


def test_the_record_corrected_withdrawn_agreed_closed_and_reopened_reads_as_a_chronology(
    site: dict[str, Any], chromium: Any
) -> None:
    """The whole procedure to the chair in a browser: a correction and a withdrawal by the headteacher; a
    refused form (focus on the error summary, the URL kept); the chair's meeting, way forward and close; a
    reopening; then the chronology tells it all in words, by name."""
    from datetime import date

    url = site["url"]
    evidence = site["folder"] / "screenshot.png"
    evidence.write_bytes(PNG)
    head = chromium.new_page(viewport={"width": 1200, "height": 900})
    sign_in(head, url, HEAD)
    case_url = open_case(head, url)
    move_to_chair_meeting(head, evidence)

    unfold(head, "#corrections details")
    head.locator("#co-summary").fill("A parent called Mr Staff useless and lazy in the parents' Facebook group.")
    head.locator("#co-reason").fill("The post also called him lazy")
    head.get_by_role("button", name="Correct the details").click()
    head.get_by_text("The case details are corrected").wait_for()
    assert "useless and lazy" in head.content()

    unfold(head, "#corrections details")
    head.locator("#wd-item").select_option(index=0)
    head.locator("#wd-reason").fill("The wrong screenshot: another parent's post")
    head.get_by_role("button", name="Withdraw the item").click()
    head.get_by_text("The item is withdrawn from the list").wait_for()
    assert head.locator("#evidence").get_by_text("The post, before it was edited").count() == 0  # off the list

    chair = chromium.new_page(viewport={"width": 1200, "height": 900})
    sign_in(chair, url, CHAIR)
    chair.goto(case_url)
    chair.get_by_role("button", name="Record the meeting with the chair").click()  # nothing filled in
    summary = chair.locator(".error-summary")
    summary.wait_for()
    assert chair.url.split("#")[0] == case_url  # post/redirect/get: the page's own address, not the POST's
    assert chair.evaluate("document.activeElement.classList.contains('error-summary')")  # focus on the summary
    assert chair.locator('[role="alert"]').count() == 1 and chair.title().startswith("Error: ")
    summary.get_by_role("link").first.click()  # each problem links to its field
    assert chair.evaluate("document.activeElement.id").startswith("a-record_chair_meeting-")
    chair.reload()
    assert chair.locator(".error-summary").count() == 0  # a reload shows the page again, not the refusal

    act(
        chair,
        "Record the meeting with the chair",
        {"Date of the meeting": date.today().isoformat(), "What was discussed": "The parent's worries about the trip"},
    )
    act(
        chair,
        "Record the way forward agreed",
        {"The way forward agreed": "The parent brings concerns to the head; the posts come down"},
    )
    act(
        chair,
        "Close the case as the chair",
        {"Why the case can close, and what was done": "The posts are down and the parent meets the head"},
    )
    assert "Closed" in chair.get_by_role("heading", level=1).inner_text()
    chair.locator("#ro-reason").fill("The posts are back")
    chair.get_by_role("button", name="Reopen the case").click()
    chair.get_by_text("The case is reopened.").wait_for()
    assert "Outcome" in chair.get_by_role("heading", level=1).inner_text()

    chronology = chair.locator("#chronology ol.chronology").inner_text()
    for words in (
        "Helen Head",
        "Charles Chair",
        "Case details corrected",
        "The post also called him lazy",
        "Evidence withdrawn",
        "The wrong screenshot: another parent's post",
        "Escalated to the chair: The parent refuses to meet and keeps posting.",
        "Meeting with the chair held on",
        "Way forward agreed: The parent brings concerns to the head; the posts come down",
        "Closed by the chair: The posts are down and the parent meets the head",
        "Case reopened at 'Outcome'",
        "The posts are back",
    ):
        assert words in chronology, words
    assert "record_chair_meeting" not in chronology and "way_forward" not in chronology  # people's words only
    chair.locator("#meetings").get_by_text("The parent's worries about the trip").wait_for()  # under Meetings too
