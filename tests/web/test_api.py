"""Every route of the JSON API, as a script would call it."""

from __future__ import annotations

import hashlib

from sqlalchemy import update

from engine.context import Redress
from store import OutboxMessage
from tests.conftest import COORDINATOR, HEAD, SAM
from tests.web import school
from tests.web.school import PNG


def test_me_tells_who_is_signed_in_and_the_token_to_send(browser) -> None:  # type: ignore[no-untyped-def]
    me = browser(COORDINATOR).client.get("/api/me").json()
    assert me["email"] == COORDINATOR and me["roles"] == ["coordinator"] and len(me["csrf_token"]) >= 32


def test_a_case_is_opened_acted_on_and_read_through_the_api(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    opened = head.api(
        "POST",
        "/api/cases",
        {
            "categories": ["staff_offensive"],
            "summary": "Posted on Facebook",
            "staff": [SAM],
            "posters": [{"name": "J. Parent", "contact": "j@mail.example"}],
            "seen_at": "2026-11-22T20:15:00+00:00",
        },
    )
    assert opened.status_code == 201
    case = opened.json()["id"]
    acted = head.api(
        "POST", f"/api/cases/{case}/actions/acknowledge", {"fields": {"staff_reassured": True}, "expected_version": 1}
    )
    assert acted.status_code == 200
    assert acted.json() | {"notified": []} == {
        "case_id": case,
        "action": "acknowledge",
        "stage_before": "reported",
        "stage_after": "gathering_evidence",
        "version": 2,
        "notified": [],
        "closed": False,
    }
    view = head.client.get(f"/api/cases/{case}").json()
    assert (
        view["view"] == "full"
        and view["stage"] == "gathering_evidence"
        and view["posters"] == [{"name": "J. Parent", "contact": "j@mail.example", "address": None}]
    )
    assert [a["name"] for a in view["actions"]][:2] == ["arrange_meeting", "escalate_to_chair"]
    assert view["actions"][0]["blocked_by"] == ["the case has no evidence yet: add a screenshot or a link first"]


def test_refusals_and_conflicts_have_their_own_statuses(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    head = browser(HEAD)
    refused = head.api("POST", f"/api/cases/{made.other}/actions/arrange_meeting", {"fields": {}})
    assert refused.status_code == 422 and "cannot be taken while the case is at 'Reported'" in refused.json()["detail"]
    stale = head.api(
        "POST", f"/api/cases/{made.other}/actions/acknowledge", {"fields": {"staff_reassured": "yes"}, "expected_version": 7}
    )
    assert stale.status_code == 409 and "changed since you looked" in stale.json()["detail"]
    unknown = head.api("POST", f"/api/cases/{made.other}/actions/fly_to_the_moon", {})
    assert unknown.status_code == 404
    malformed = head.api("POST", "/api/cases", {"categories": "not a list"})
    assert malformed.status_code == 422 and isinstance(malformed.json()["detail"], list)


def test_the_case_list_holds_only_the_cases_seen_in_full(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    assert [c["id"] for c in browser(COORDINATOR).client.get("/api/cases").json()] == [made.logged]
    assert browser(SAM).client.get("/api/cases").json() == []
    assert len(browser(HEAD).client.get("/api/cases?status=open").json()) == 4
    assert browser(HEAD).client.get("/api/cases?status=closed").json() == []


def test_the_staff_member_concerned_gets_the_matter_view(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    view = browser(SAM).client.get(f"/api/cases/{made.logged}").json()
    assert view["view"] == "matter" and set(view) == {"view", "id", "opened_on", "closed", "closed_on", "dealt_with_by"}
    assert view["dealt_with_by"] == [{"name": "Helen Head", "role": "Headteacher"}]


def test_records_are_added_through_the_api(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    head = browser(HEAD)
    case = made.other
    assert head.api("POST", f"/api/cases/{case}/notes", {"text": "called"}).status_code == 201
    assert head.api("POST", f"/api/cases/{case}/links", {"url": "https://example.org/p", "description": "d"}).status_code == 201
    assert (
        head.api("POST", f"/api/cases/{case}/meetings", {"held_on": "2026-11-23", "attendees": "head, parent"}).status_code == 201
    )
    upload = head.client.post(
        f"/api/cases/{case}/evidence",
        files={"file": ("shot.png", PNG, "image/png")},
        data={"description": "screenshot"},
        headers={"X-CSRF-Token": head.csrf},
    )
    assert upload.status_code == 201
    view = head.client.get(f"/api/cases/{case}").json()
    files = [e for e in view["evidence"] if e["kind"] == "file" and e["description"] == "screenshot"]
    assert files[0]["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert head.client.get(files[0]["download"]).content == PNG
    assert len(view["notes"]) == 1 and len(view["meetings"]) == 1


def test_the_audit_trail_comes_with_its_verification(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    trail = browser(HEAD).client.get(f"/api/cases/{made.escalated}/audit").json()
    assert [e["kind"] for e in trail["events"]][:2] == ["opened", "action"]
    assert trail["verification"] == {
        "ok": True,
        "checked": len(trail["events"]),
        "first_bad_seq": None,
        "reason": "",
        "problems": [],
        "erased": [],  # no event's content was erased
    }


def test_log_people_and_outbox_through_the_api(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    head = browser(HEAD)
    log = head.client.get("/api/log").json()
    assert {row["id"] for row in log} == {made.logged, made.escalated, made.prejudice, made.other}
    coordinator_log = browser(COORDINATOR).client.get("/api/log").json()
    assert {row["id"]: row["summary"] is not None for row in coordinator_log}[made.other] is False
    people = head.client.get("/api/people").json()
    assert {p["email"] for p in people} >= {HEAD, SAM} and all(p["can_sign_in"] for p in people)
    added = head.api("POST", "/api/people", {"name": "Dora Director", "email": "dora@school.example", "roles": ["chair"]})
    assert added.status_code == 201
    changed = head.api("PUT", f"/api/people/{added.json()['id']}/roles", {"roles": ["coordinator"]})
    assert changed.json()["roles"] == ["coordinator"] and changed.json()["can_sign_in"] is False
    with app.db.unit_of_work() as session:
        session.execute(update(OutboxMessage).values(status="failed", last_error="550 no such user"))
    box = head.client.get("/api/outbox").json()
    assert box["waiting"] == 0 and box["failed"][0]["error"] == "550 no such user"
    assert head.api("POST", f"/api/outbox/{box['failed'][0]['id']}/retry").json() == {"requeued": 1}
    assert head.api("POST", "/api/outbox/retry").json()["requeued"] == len(box["failed"]) - 1


def test_the_report_comes_as_json(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    school.build(app)
    report = browser(HEAD).client.get("/api/report").json()
    assert report["report"] == "monitoring"


def test_the_openapi_document_describes_only_the_api(browser) -> None:  # type: ignore[no-untyped-def]
    document = browser().client.get("/api/openapi.json").json()
    assert document["info"]["title"] == "Redress"
    assert all(path.startswith("/api/") for path in document["paths"])
    assert "/api/cases/{case_id}/actions/{action_name}" in document["paths"]
