"""Erasure on the pages: the headteacher erases a mistaken upload and places a legal hold from the case
page; the certificates page is the headteacher's alone (403 for others, the link only in their menu); the
server refuses a coordinator who posts the forms directly."""

from __future__ import annotations

from engine.commands import records
from engine.commands.evidence_store import evidence_path
from engine.commands.integrity import verify
from tests.conftest import CHAIR, COORDINATOR, HEAD
from tests.web.test_correction_pages import _case
from tests.web.test_pages import _open

PHOTO = b"\xff\xd8\xff\xe0 a photo of a pupil"


def test_the_head_erases_a_mistaken_upload_from_the_case_page(app, browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    case_id = _case(_open(head))
    item = records.add_evidence_file(app, case_id, HEAD, PHOTO, "pupil.jpg", "a pupil")
    page = head.get(f"/cases/{case_id}").text
    assert "Erase a file uploaded by mistake" in page

    refused = head.post(f"/cases/{case_id}/evidence/erase", {"evidence": str(item.id), "reason": " "})
    assert refused.status_code == 303
    page = head.get(f"/cases/{case_id}").text
    assert 'href="#er-reason"' in page and 'id="er-reason-error"' in page
    assert evidence_path(app.data_dir, item.sha256).exists()

    done = head.post(f"/cases/{case_id}/evidence/erase", {"evidence": str(item.id), "reason": "a photo of a pupil"})
    assert done.status_code == 303
    page = head.get(f"/cases/{case_id}").text
    assert "Erased evidence" in page and item.sha256 in page and "pupil.jpg" not in page
    assert "Evidence added (details erased)" in page and "This is an erasure, not tampering" in page
    assert not evidence_path(app.data_dir, item.sha256).exists()
    assert verify(app).ok

    certificates = head.get("/erasures")
    assert (
        certificates.status_code == 200 and f"Case {case_id}" in certificates.text and "uploaded by mistake" in certificates.text
    )
    assert 'href="/erasures"' in certificates.text


def test_a_legal_hold_from_the_case_page(app, browser) -> None:  # type: ignore[no-untyped-def]
    chair, head = browser(CHAIR), browser(HEAD)
    case_id = _case(_open(head))
    assert head.post(f"/cases/{case_id}/hold", {"reason": "legal advice sought"}).status_code == 303
    page = head.get(f"/cases/{case_id}").text
    assert "Under a legal hold" in page and "legal advice sought" in page and "Release the legal hold" in page
    assert head.post(f"/cases/{case_id}/hold", {"reason": "advice received", "release": "yes"}).status_code == 303
    assert "Under a legal hold" not in head.get(f"/cases/{case_id}").text
    del chair


def test_only_the_holders_of_the_power_erase_or_read_the_certificates(app, browser) -> None:  # type: ignore[no-untyped-def]
    head, coordinator = browser(HEAD), browser(COORDINATOR)
    case_id = _case(_open(coordinator))
    item = records.add_evidence_file(app, case_id, HEAD, PHOTO, "pupil.jpg", "a pupil")
    assert coordinator.get("/erasures").status_code == 403
    assert 'href="/erasures"' not in coordinator.get("/").text
    page = coordinator.get(f"/cases/{case_id}").text
    assert "Erase a file uploaded by mistake" not in page and "Place a legal hold" not in page
    # posted directly, the server refuses: the file stays
    coordinator.post(f"/cases/{case_id}/evidence/erase", {"evidence": str(item.id), "reason": "by mistake"})
    assert f"{COORDINATOR} may not" in coordinator.get(f"/cases/{case_id}").text
    coordinator.post(f"/cases/{case_id}/hold", {"reason": "x"})
    assert f"{COORDINATOR} may not" in coordinator.get(f"/cases/{case_id}").text
    assert evidence_path(app.data_dir, item.sha256).exists()
    assert "Erased evidence" not in head.get(f"/cases/{case_id}").text
    assert "Under a legal hold" not in head.get(f"/cases/{case_id}").text


def test_the_api_holds_releases_and_erases_for_those_with_the_power(app, browser) -> None:  # type: ignore[no-untyped-def]
    head, coordinator = browser(HEAD), browser(COORDINATOR)
    case_id = _case(_open(coordinator))  # a case the coordinator sees in full, but may not hold or erase from
    item = records.add_evidence_file(app, case_id, HEAD, PHOTO, "pupil.jpg", "a pupil")
    assert coordinator.api("POST", f"/api/cases/{case_id}/hold", {"reason": "police"}).status_code == 422
    assert coordinator.api("POST", f"/api/cases/{case_id}/evidence/{item.id}/erase", {"reason": "oops"}).status_code == 422
    assert head.api("POST", f"/api/cases/{case_id}/hold", {"reason": ""}).status_code == 422
    assert head.api("POST", f"/api/cases/{case_id}/hold", {"reason": "police"}).status_code == 204
    assert head.api("POST", f"/api/cases/{case_id}/release", {"reason": "done"}).status_code == 204
    erased = head.api("POST", f"/api/cases/{case_id}/evidence/{item.id}/erase", {"reason": "a photo of a pupil"})
    assert erased.status_code == 200 and erased.json()["rule"] == "mistaken_upload"
    assert not evidence_path(app.data_dir, item.sha256).exists()
    assert verify(app).ok
