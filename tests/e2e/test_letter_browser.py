"""A letter from the case, in a real headless Chromium on the demo school: the headteacher opens the meeting
invitation drafted from the meeting already arranged, edits it, records it as sent by hand, and finds it in the
chronology, with its text kept as evidence whose SHA-256 is the one the chronology names."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from tests.e2e.test_accessibility import axe, browser, demo, pytestmark, sign_in  # noqa: F401 (fixtures and marks)

EDITED = "I look forward to meeting you and hearing your concerns."


def test_the_headteacher_drafts_edits_and_records_a_letter_and_reads_it_in_the_chronology(demo: str, browser: Any) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    sign_in(page, demo, "head")
    page.goto(f"{demo}/cases/3")  # the demo's case with a meeting arranged with J. Parent
    page.locator("#letters").get_by_role("link", name="Invitation to a meeting").click()
    page.wait_for_url(f"{demo}/cases/3/letters/meeting_invitation")

    meeting = page.locator("dl.facts dd").nth(1).inner_text()
    assert re.fullmatch(r"\w+day \d{1,2} \w+ \d{4} at the school office", meeting), meeting
    box = page.get_by_label("The letter")
    drafted = box.input_value()
    assert "Dear J. Parent," in drafted and f"meet me on {meeting}" in drafted
    box.fill(drafted.replace("I look forward to meeting you.", EDITED))
    page.get_by_label("By hand").check()
    page.get_by_role("button", name="Record the letter as sent").click()

    page.wait_for_url(re.compile(rf"{re.escape(demo)}/cases/3#chronology$"))
    assert "The letter is recorded as sent by hand" in page.locator("body").inner_text()
    entry = page.locator("#chronology li.entry-letter").last
    assert "Letter sent by hand: invitation to a meeting" in entry.inner_text()
    copy = entry.locator("dd").filter(has_text="SHA-256").inner_text()
    evidence_id, sha256 = re.fullmatch(r"evidence #(\d+), SHA-256 ([0-9a-f]{64})", copy).groups()  # type: ignore[union-attr]

    kept = page.context.request.get(f"{demo}/cases/3/evidence/{evidence_id}")
    assert kept.status == 200
    assert EDITED in kept.text() and "Dear J. Parent," in kept.text()
    assert hashlib.sha256(kept.body()).hexdigest() == sha256
