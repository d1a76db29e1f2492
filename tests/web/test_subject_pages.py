"""The subject access pages: only holders of answer_subject_requests get in; logging a request with the GOV.UK
error pattern; the search posted (never in a URL); the extension form; the redacted export download, audited."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from store import AccessEntry
from tests.conftest import CHAIR, COORDINATOR, HEAD, SAM
from tests.web.test_pages import _open


def test_only_those_who_answer_subject_requests_reach_the_pages(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    assert head.get("/subject-requests").status_code == 200
    assert 'href="/subject-requests"' in head.get("/").text
    head.post("/subject-requests", {"requester": "J. Parent", "terms": "J. Parent", "received_on": "2026-11-20"})
    for email in (CHAIR, COORDINATOR, SAM):
        other = browser(email)
        assert 'href="/subject-requests"' not in other.get("/").text
        assert other.get("/subject-requests").status_code == 403
        assert other.get("/subject-requests/1").status_code == 403
        assert other.post("/subject-requests/find", {"find": "J. Parent"}).status_code == 403
        assert other.post("/subject-requests/1/export").status_code == 403
        assert other.post("/subject-requests", {"requester": "X", "terms": "Y Z", "received_on": "2026-11-20"}).status_code == 403
    assert browser(None).get("/subject-requests").status_code in (303, 401)


def test_a_request_is_logged_found_extended_and_exported_redacted(browser, app) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    assert _open(head).status_code == 303  # the poster J. Parent (j@mail.example), pupils Y7-AB and Y8-CD, Sam Staff
    head.get("/subject-requests")
    answer = head.post(
        "/subject-requests",
        {"requester": "J. Parent", "terms": "J. Parent, j@mail.example", "received_on": "2026-10-31", "identity_checked": "yes"},
    )
    assert answer.status_code == 303
    page = head.get(answer.headers["location"]).text
    assert "Answer due</dt><dd>30 November 2026" in page and "named as a poster" in page and "Case 1" in page

    refused = head.post("/subject-requests/1/extend", {"months": "2", "told_on": "2026-12-01", "reason": "Many cases"})
    assert refused.status_code == 303
    shown = head.get("/subject-requests/1").text
    assert "<title>Error:" in shown and "after today" in shown and 'href="#told_on"' in shown
    head.post("/subject-requests/1/extend", {"months": "2", "told_on": "2026-11-02", "reason": "Many cases"})
    assert "Answer due</dt><dd>1 February 2027 (extended from 30 November 2026" in head.get("/subject-requests/1").text

    download = head.post("/subject-requests/1/export")
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert sorted(archive.namelist()) == ["subject-request-1.html", "subject-request-1.json"]
        for name in archive.namelist():
            body = archive.read(name).decode()
            assert "J. Parent" in body
            for someone in ("Y7-AB", "Y8-CD", "Sam Staff", "sam@school.example", "Helen Head", HEAD):
                assert someone not in body
    with app.db.reading() as session:
        entries = list(session.scalars(select(AccessEntry).where(AccessEntry.what == "sar_exported")))
    assert len(entries) == 1 and entries[0].actor == HEAD and "downloaded from the page" in entries[0].detail
    assert "included it in a subject access export" in head.get("/cases/1/access").text


def test_a_refused_request_form_says_what_is_wrong_field_by_field(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    head.get("/subject-requests")
    answer = head.post("/subject-requests", {"requester": "", "terms": "J. Parent", "received_on": "2026-11-20"})
    assert answer.status_code == 303 and answer.headers["location"] == "/subject-requests"
    page = head.get("/subject-requests").text
    assert "<title>Error:" in page and 'href="#requester"' in page and 'aria-invalid="true"' in page
    head.post("/subject-requests", {"requester": "J. Parent", "terms": "J. Parent", "received_on": "2030-01-01"})
    assert "in the future" in head.get("/subject-requests").text
    head.post("/subject-requests/find", {"find": "J"})
    assert 'href="#find"' in head.get("/subject-requests").text
    found = head.post("/subject-requests/find", {"find": "Nobody Atall"})
    assert found.status_code == 200 and "No case you can read mentions Nobody Atall" in found.text


def test_the_api_lists_requests_and_finds_a_person_for_the_holder_only(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    assert _open(head).status_code == 303
    head.get("/subject-requests")
    head.post("/subject-requests", {"requester": "J. Parent", "terms": "J. Parent", "received_on": "2025-01-31"})
    [listed] = head.api("GET", "/api/subject-requests").json()
    assert (listed["id"], listed["due_on"], listed["first_due_on"], listed["terms"]) == (
        1,
        "2025-02-28",
        "2025-02-28",
        ["J. Parent"],
    )
    found = head.api("POST", "/api/subject-requests/find", {"terms": ["j@mail.example"]})
    assert found.status_code == 200
    [case] = found.json()["cases"]
    assert case["case_id"] == 1 and "named as a poster" in case["found"]
    assert head.api("POST", "/api/subject-requests/find", {"terms": []}).status_code == 422
    assert head.api("POST", "/api/subject-requests/find", {"terms": ["J. Parent"], "extra": 1}).status_code == 422
    chair = browser(CHAIR)
    assert chair.api("GET", "/api/subject-requests").status_code == 403
    assert chair.api("POST", "/api/subject-requests/find", {"terms": ["J. Parent"]}).status_code == 403
    assert browser(None).api("GET", "/api/subject-requests").status_code == 401
