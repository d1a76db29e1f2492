"""Linked cases on the case page: the suggestion and its button, the form, the course-of-conduct flag, the
limitation date; and the JSON API's door to the same command."""

from __future__ import annotations

from tests.conftest import HEAD
from tests.web.test_pages import _open


def _case(answer) -> int:  # type: ignore[no-untyped-def]
    return int(answer.headers["location"].rsplit("/", 1)[1])


def test_a_suggested_match_is_linked_by_its_button_and_raises_the_flag(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    first = _case(_open(head))
    second = _case(_open(head, first_published_on="2026-03-01"))
    page = head.get(f"/cases/{second}")
    assert f"Possibly the same poster as case #{first}" in page.text
    assert "a defamation claim must be brought by <strong>2027-03-01</strong>" in page.text

    answer = head.post(
        f"/cases/{second}/linked",
        {"other_id": str(first), "basis": "poster", "reason": f"Possibly the same poster as case #{first}"},
    )
    assert answer.status_code == 303
    for case in (first, second):
        text = head.get(f"/cases/{case}").text
        assert "Course of conduct: 2 occasions — the Protection from Harassment Act 1997 threshold is two" in text
    refused = head.post(f"/cases/{second}/linked", {"other_id": str(first), "basis": "poster", "reason": "again"})
    assert refused.status_code == 303  # post/redirect/get: the case page shows the refusal once
    assert "already linked" in head.get(f"/cases/{second}").text

    read = head.api("GET", f"/api/cases/{first}/linked").json()
    assert [c["id"] for c in read["linked"]] == [second] and read["occasions"] == 2
