"""Evidence checked on every read, the access log, and the export door, through the web app."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from engine.commands.records import evidence_path
from store import AccessEntry, Evidence
from tests.conftest import CHAIR, COORDINATOR, HEAD, SAM
from tests.web.school import PNG, build


def _path(app, evidence_id: int):  # type: ignore[no-untyped-def]
    with app.db.reading() as session:
        item = session.get(Evidence, evidence_id)
        return evidence_path(app.data_dir, item.sha256)


def _log(app) -> list[tuple[str, str, int | None]]:  # type: ignore[no-untyped-def]
    with app.db.reading() as session:
        return [(r.actor, r.what, r.case_id) for r in session.execute(select(AccessEntry).order_by(AccessEntry.seq)).scalars()]


def test_an_intact_evidence_file_is_served_and_its_download_is_logged(app, browser):
    school = build(app)
    head = browser(HEAD)
    response = head.get(f"/cases/{school.other}/evidence/{school.files[school.other]}")
    assert response.status_code == 200 and response.content == PNG
    assert (HEAD, "evidence", school.other) in _log(app)


def test_a_changed_evidence_file_is_never_served_and_the_reader_gets_a_plain_page(app, browser):
    school = build(app)
    _path(app, school.files[school.other]).write_bytes(b"not the screenshot any more")
    response = browser(HEAD).get(f"/cases/{school.other}/evidence/{school.files[school.other]}")
    assert response.status_code == 500
    assert "cannot be shown" in response.text and b"not the screenshot" not in response.content
    assert "text/html" in response.headers["content-type"]


def test_a_missing_evidence_file_answers_410(app, browser):
    school = build(app)
    _path(app, school.files[school.other]).unlink()
    response = browser(HEAD).get(f"/cases/{school.other}/evidence/{school.files[school.other]}")
    assert response.status_code == 410 and "is missing from the evidence store" in response.text


def test_every_view_of_a_case_page_is_logged_and_the_headteacher_reads_the_log(app, browser):
    school = build(app)
    head = browser(HEAD)
    page = head.get(f"/cases/{school.other}")
    assert page.status_code == 200 and f"/cases/{school.other}/access" in page.text
    log = head.get(f"/cases/{school.other}/access")
    assert log.status_code == 200 and "read the case page" in log.text and HEAD in log.text
    assert _log(app)[:2] == [(HEAD, "case_page", school.other), (HEAD, "access_log", school.other)]


def test_only_the_headteacher_reads_the_access_log(app, browser):
    school = build(app)
    assert browser(CHAIR).get(f"/cases/{school.escalated}/access").status_code == 403
    assert browser(COORDINATOR).get(f"/cases/{school.logged}/access").status_code == 403
    assert browser(SAM).get(f"/cases/{school.other}/access").status_code == 404


def test_the_chair_exports_an_escalated_case_but_not_the_coordinator(app, browser):
    school = build(app)
    chair = browser(CHAIR)
    assert "Export the case" in chair.get(f"/cases/{school.escalated}").text
    response = chair.get(f"/cases/{school.escalated}/export")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "MANIFEST.sha256" in names and "evidence/" + str(school.files[school.escalated]) + "-screenshot.png" in names
    coordinator = browser(COORDINATOR)
    assert "Export the case" not in coordinator.get(f"/cases/{school.logged}").text
    assert coordinator.get(f"/cases/{school.logged}/export").status_code == 403
    assert (CHAIR, "export", school.escalated) in _log(app)
