"""Delegation: the senior team acts for the headteacher, a case gets an owner, and the owner is reminded;
staff report posts about themselves, and follow what becomes of the report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from engine.commands import owners
from engine.context import Redress
from engine.errors import NotAllowed, Refused
from engine.worker.firing import fire_due
from store import AuditEvent, OutboxMessage, StaffReport
from tests.conftest import COORDINATOR, HEAD, SAM, TESS
from tests.web.conftest import SENIOR
from tests.web.school import PNG, open_case

TUESDAY_9 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_the_senior_team_takes_the_headteachers_actions_and_sees_every_case(app: Redress, senior: str, browser: Any) -> None:
    case_id = open_case(app, COORDINATOR, "staff_offensive", staff=(SAM,))
    sid = browser(SENIOR)
    assert sid.get(f"/cases/{case_id}").status_code == 200
    done = sid.post(f"/cases/{case_id}/actions/acknowledge", {"field_staff_reassured": "yes", "expected_version": "1"})
    assert done.status_code == 303, done.text
    assert sid.get("/people").status_code == 403 and sid.get("/outbox").status_code == 403


def test_an_owner_is_assigned_shown_and_listed_as_your_cases(app: Redress, senior: str, browser: Any) -> None:
    case_id = open_case(app, HEAD, "school_complaint")
    head = browser(HEAD)
    page = head.get(f"/cases/{case_id}").text
    assert f'action="/cases/{case_id}/owner"' in page and "Sid Senior" in page
    refused = head.post(f"/cases/{case_id}/owner", {"owner": TESS})  # Tess does not see it in full
    assert refused.status_code == 303  # post/redirect/get: the refusal is shown once, on the case page
    again = head.get(f"/cases/{case_id}").text
    assert "There is a problem" in again and "<dt>Owner</dt><dd>none" in again
    assert head.post(f"/cases/{case_id}/owner", {"owner": SENIOR}).status_code == 303
    assert "<dt>Owner</dt><dd>Sid Senior</dd>" in head.get(f"/cases/{case_id}").text
    board = browser(SENIOR).get("/").text
    assert "Your cases" in board and f'href="/cases/{case_id}">Case {case_id}</a>: Reported' in board
    with app.db.reading() as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.kind == "owner_assigned")
        ).all()
    assert event.actor == HEAD and event.data["owner"] == SENIOR
    coordinator = browser(COORDINATOR)  # reads the log, does not see every case: may not assign
    assert coordinator.post(f"/cases/{case_id}/owner", {"owner": HEAD}).status_code == 403
    mine = open_case(app, COORDINATOR, "staff_offensive")
    assert coordinator.post(f"/cases/{mine}/owner", {"owner": HEAD}).status_code == 403
    api = head.api("POST", f"/api/cases/{case_id}/owner", {"owner": HEAD})
    assert api.status_code == 200 and api.json() == {"case_id": case_id, "owner": HEAD, "name": "Helen Head"}
    assert head.api("GET", f"/api/cases/{case_id}").json()["owner"] == HEAD
    from engine.commands.integrity import verify

    checked = verify(app, case_id=case_id)  # each assignment moved the case row's version: the replay counts it
    assert checked.ok, checked.problems


def test_reminders_go_to_the_owner_as_well_as_the_role_once_each(app: Redress, senior: str) -> None:
    chased = open_case(app, HEAD, "school_complaint")
    owners.assign_owner(app, chased, HEAD, SENIOR)
    own = open_case(app, HEAD, "school_complaint")
    owners.assign_owner(app, own, HEAD, HEAD)  # the headteacher owns it and is the role: one email
    app.clock.set(TUESDAY_9)  # type: ignore[attr-defined]
    fire_due(app)
    with app.db.reading() as session:
        sent = sorted(
            session.execute(
                select(OutboxMessage.case_id, OutboxMessage.recipient_email).where(OutboxMessage.template == "deadline_reminder")
            )
        )
    assert sent == sorted([(chased, HEAD), (chased, SENIOR), (own, HEAD)])


def test_only_those_who_see_every_case_assign_and_only_to_someone_who_sees_it(app: Redress, senior: str) -> None:
    case_id = open_case(app, COORDINATOR, "staff_offensive", staff=(SAM,))
    with pytest.raises(NotAllowed, match="may give a case an owner"):
        owners.assign_owner(app, case_id, COORDINATOR, HEAD)
    with pytest.raises(Refused, match="does not see case"):  # Sam sees it only as a matter about him
        owners.assign_owner(app, case_id, SENIOR, SAM)


def test_a_staff_report_becomes_a_case_and_its_reporter_follows_the_stages(app: Redress, senior: str, browser: Any) -> None:
    tess = browser(TESS)
    assert tess.get("/reports/new").status_code == 200
    sent = tess.post(
        "/reports/new",
        {
            "text": "A parent called me a liar in the class WhatsApp group",
            "link": "https://chat.example/g/1",
            "seen_at": "2026-11-22T19:30",
        },
        files={"file": ("shot.png", PNG, "image/png")},
    )
    assert sent.status_code == 303, sent.text
    assert "Waiting to be read" in tess.get("/").text
    assert tess.get("/reports").status_code == 403 and browser(SAM).get("/reports").status_code == 403
    with app.db.reading() as session:
        [report] = session.scalars(select(StaffReport)).all()
    assert report.status == "new" and report.file_sha256 is not None

    cora = browser(COORDINATOR)
    listing = cora.get("/reports")
    assert listing.status_code == 200 and "class WhatsApp group" in listing.text and "Tess Teacher" in listing.text
    form = cora.get(f"/reports/{report.id}/open").text
    assert f'name="report_id" value="{report.id}"' in form and "called me a liar" in form
    assert f'value="{TESS}" checked' in form and 'value="2026-11-22T19:30"' in form
    opened = cora.post(
        "/cases",
        {
            "categories": "staff_offensive",
            "summary": "A parent called Tess a liar on WhatsApp",
            "staff": TESS,
            "poster_name": "Pat Poster",
            "report_id": str(report.id),
        },
    )
    assert opened.status_code == 303, opened.text
    case_id = int(opened.headers["location"].rsplit("/", 1)[1])
    with app.db.reading() as session:
        linked = session.get(StaffReport, report.id)
        assert linked is not None and (linked.status, linked.case_id) == ("opened", case_id)
    page = browser(HEAD).get(f"/cases/{case_id}").text
    assert "Tess Teacher" in page and "shot.png" in page
    assert cora.get(f"/reports/{report.id}/open").status_code == 403  # decided once

    assert browser(HEAD).post(f"/cases/{case_id}/actions/acknowledge", {"field_staff_reassured": "yes"}).status_code == 303
    board = tess.get("/").text
    assert "Reported</li>" in board and "Gathering evidence</li>" in board
    assert "Pat Poster" not in board and "shot.png" not in board  # the stage title only
    assert tess.get(f"/cases/{case_id}").status_code == 200  # the matter page, not the case


def test_a_declined_report_shows_its_reporter_the_reason(app: Redress, senior: str, browser: Any) -> None:
    tess = browser(TESS)
    assert tess.post("/reports/new", {"text": "Someone shared my photo"}).status_code == 303
    with app.db.reading() as session:
        [report] = session.scalars(select(StaffReport)).all()
    assert tess.post(f"/reports/{report.id}/decline", {"reason": "mine"}).status_code == 403
    sid = browser(SENIOR)
    refused = sid.post(f"/reports/{report.id}/decline", {"reason": ""})
    assert refused.status_code == 303 and refused.headers["location"] == f"/reports#report-{report.id}"
    listing = sid.get("/reports").text
    assert 'class="error-summary"' in listing and f'href="#reason-{report.id}"' in listing
    assert listing.count('role="alert"') == 1 and 'aria-invalid="true"' in listing
    assert (
        sid.post(
            f"/reports/{report.id}/decline", {"reason": "It is the school's own newsletter photo, shared with consent"}
        ).status_code
        == 303
    )
    assert "Declined: It is the school&#39;s own newsletter photo, shared with consent" in tess.get("/").text
    assert sid.post(f"/reports/{report.id}/decline", {"reason": "again"}).status_code == 303
    assert "already" in sid.get("/reports").text  # refused: a decided report stays decided
