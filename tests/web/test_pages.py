"""Every page, as the people who use it: the headteacher through the whole of a case, with plain forms."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from engine.context import Redress
from store import OutboxMessage, Person
from tests.conftest import CHAIR, COORDINATOR, HEAD, SAM, TESS
from tests.web import school
from tests.web.school import PNG

MB = 1024 * 1024


def test_signing_in_leads_to_the_dashboard_and_signing_out_ends_the_session(browser) -> None:  # type: ignore[no-untyped-def]
    anonymous = browser()
    assert anonymous.get("/").headers["location"] == "/sign-in?next=/"
    page = anonymous.get("/sign-in")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.text
    assert anonymous.sign_in(HEAD).headers["location"] == "/"
    dashboard = anonymous.get("/")
    assert dashboard.status_code == 200 and "Helen Head" in dashboard.text
    assert anonymous.post("/sign-out").headers["location"] == "/sign-in"
    assert anonymous.get("/").status_code == 303


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_the_site(browser) -> None:  # type: ignore[no-untyped-def]
    person = browser()
    person.get("/sign-in?next=/log")
    # The headteacher passes the second step first, which carries the page asked for.
    assert (
        person.post("/sign-in", {"email": HEAD, "password": "correct horse battery staple", "next": "/log"}).headers["location"]
        == "/two-factor?next=/log"
    )
    other = browser()
    other.get("/sign-in")
    answer = other.post("/sign-in", {"email": SAM, "password": "correct horse battery staple", "next": "//evil.example/x"})
    assert answer.headers["location"] == "/"


def test_a_wrong_password_is_refused_with_a_message(browser) -> None:  # type: ignore[no-untyped-def]
    person = browser()
    answer = person.sign_in(HEAD, "not the password at all")
    assert answer.status_code == 401
    assert "the email or the password is wrong" in answer.text


def test_dashboard_lists_open_cases_overdue_first_with_what_falls_due_and_recent_activity(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    app.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    page = browser(HEAD).get("/")
    assert page.status_code == 200
    rows = re.findall(r'<a href="/cases/(\d+)">Case \d+</a></td>', page.text)
    assert set(map(int, rows)) == {made.logged, made.escalated, made.prejudice, made.other}
    assert "Falling due this week" in page.text and "acknowledge reminder" in page.text
    assert "Overdue" in page.text and "Recent activity" in page.text and ", evidence by head@school.example" in page.text


def test_staff_member_sees_only_that_the_matter_is_being_dealt_with_and_by_whom(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    sam = browser(SAM)
    board = sam.get("/")
    assert "Matters about you" in board.text and "Helen Head (Headteacher)" in board.text
    page = sam.get(f"/cases/{made.escalated}")
    assert page.status_code == 200
    assert "being investigated" in page.text and "Helen Head" in page.text and "Charles Chair" in page.text
    assert "Posts in the" not in page.text and "screenshot.png" not in page.text and "facebook.example" not in page.text


def _open(head, **extra: object):  # type: ignore[no-untyped-def]
    head.get("/cases/new")
    form = {
        "categories": ["staff_offensive", "racist_or_homophobic"],
        "summary": "A <script>alert(1)</script> comment",
        "staff": [SAM],
        "pupils": "Y7-AB, Y8-CD",
        "poster_name": "J. Parent",
        "poster_contact": "j@mail.example",
        "platform": "Facebook",
        "link": "https://facebook.example/p/1",
        "seen_at": "2026-11-22T20:15",
        **extra,
    }
    return head.post("/cases", form)


def test_headteacher_opens_a_case_from_the_form(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    answer = _open(head)
    assert answer.status_code == 303
    page = head.get(answer.headers["location"])
    assert page.status_code == 200
    assert "Case 1 is open" in page.text and "Reported" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert" not in page.text
    assert "Sam Staff" in page.text and "Y7-AB, Y8-CD" in page.text and "J. Parent (j@mail.example)" in page.text
    assert "Sun 22 Nov 2026 20:15" in page.text
    assert (
        'for="a-acknowledge-staff_reassured"' not in page.text and "<legend>The staff concerned have been spoken to" in page.text
    )


def test_an_open_case_form_with_problems_comes_back_filled_in_with_the_reason(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    answer = _open(head, categories=[], summary="Kept text")
    assert answer.status_code == 303 and answer.headers["location"] == "/cases/new"  # post/redirect/get: a reload never posts
    page = head.get("/cases/new")
    assert page.text.count("choose at least one category") == 2  # once in the summary, once by the field
    assert '<a href="#categories">' in page.text and "Kept text" in page.text and "<title>Error: Open a case" in page.text
    again = head.get("/cases/new")
    assert "There is a problem" not in again.text and "Kept text" not in again.text  # shown once
    assert _open(head, link="javascript:alert(1)").status_code == 303
    assert '<a href="#link">' in head.get("/cases/new").text


def test_headteacher_takes_the_case_to_the_chair_meeting_with_the_action_forms(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    case = int(_open(head).headers["location"].rsplit("/", 1)[1])
    head.get(f"/cases/{case}")
    done = head.post(
        f"/cases/{case}/actions/acknowledge", {"field_staff_reassured": "yes", "expected_version": "1", "note": "spoke to Sam"}
    )
    assert done.status_code == 303
    page = head.get(f"/cases/{case}")
    assert "The case is now at &#39;Gathering evidence&#39;" in page.text
    refused = head.post(
        f"/cases/{case}/actions/arrange_meeting",
        {"field_meeting_date": "2026-11-30", "field_invited_by": "letter", "expected_version": "2"},
    )
    assert refused.status_code == 303
    again = head.get(refused.headers["location"])
    assert "the case has no evidence yet" in again.text and 'value="2026-11-30"' in again.text
    assert "&#39;Arrange a meeting with the poster&#39; cannot be taken yet at &#39;Gathering evidence&#39;" in again.text
    assert (
        head.post(
            f"/cases/{case}/actions/escalate_to_chair", {"field_reason": "refuses to meet", "expected_version": "2"}
        ).status_code
        == 303
    )
    assert "Meeting with the chair" in head.get(f"/cases/{case}").text


def test_a_stale_form_gets_a_conflict_message_not_an_overwrite(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    case = int(_open(head).headers["location"].rsplit("/", 1)[1])
    head.get(f"/cases/{case}")
    assert (
        head.post(f"/cases/{case}/actions/acknowledge", {"field_staff_reassured": "yes", "expected_version": "1"}).status_code
        == 303
    )
    stale = head.post(f"/cases/{case}/actions/escalate_to_chair", {"expected_version": "1"})
    assert stale.status_code == 303
    again = head.get(stale.headers["location"])
    assert "changed since you looked" in again.text and "Gathering evidence" in again.text


def test_evidence_upload_shows_the_sha256_and_downloads_safely(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    case = int(_open(head).headers["location"].rsplit("/", 1)[1])
    head.get(f"/cases/{case}")
    answer = head.post(
        f"/cases/{case}/evidence",
        {"description": "the post"},
        files={"file": ('..\\evil "name"\r\nX-Bad: 1.png', PNG, "image/png")},
    )
    assert answer.status_code == 303
    page = head.get(f"/cases/{case}")
    assert hashlib.sha256(PNG).hexdigest() in page.text
    link = re.search(rf'href="(/cases/{case}/evidence/\d+)"', page.text)
    assert link
    download = head.get(link[1])
    assert download.status_code == 200 and download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert re.fullmatch(
        r"inline; filename=\"evil[A-Za-z0-9._-]+\.png\"; filename\*=UTF-8''[A-Za-z0-9%._~-]+",
        download.headers["content-disposition"],
    )
    assert "sandbox" in download.headers["content-security-policy"]


def test_html_evidence_is_downloaded_never_shown_as_a_page(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    case = int(_open(head).headers["location"].rsplit("/", 1)[1])
    head.get(f"/cases/{case}")
    head.post(f"/cases/{case}/evidence", files={"file": ("saved.html", b"<script>alert(1)</script>", "text/html")})
    link = re.search(rf'href="(/cases/{case}/evidence/\d+)"', head.get(f"/cases/{case}").text)
    assert link
    download = head.get(link[1])
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;")


def test_links_notes_and_meetings_are_added_from_their_forms(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    case = int(_open(head).headers["location"].rsplit("/", 1)[1])
    head.get(f"/cases/{case}")
    assert head.post(f"/cases/{case}/links", {"url": "https://facebook.example/p/2", "description": "a reply"}).status_code == 303
    assert head.post(f"/cases/{case}/notes", {"text": "Called the parent."}).status_code == 303
    assert (
        head.post(f"/cases/{case}/meetings", {"held_on": "2026-11-20", "attendees": "head, parent", "notes": "calm"}).status_code
        == 303
    )
    bad = head.post(f"/cases/{case}/links", {"url": "ftp://nope"})
    assert bad.status_code == 303 and "is not a web link" in head.get(f"/cases/{case}").text
    assert head.post(f"/cases/{case}/meetings", {"held_on": "yesterday", "attendees": "x"}).status_code == 303
    assert '<a href="#mt-date">&#39;yesterday&#39; is not a date' in head.get(f"/cases/{case}").text
    head.post(f"/cases/{case}/meetings", {"held_on": "2099-01-01", "attendees": "x"})
    assert "2099-01-01 is in the future" in head.get(f"/cases/{case}").text
    page = head.get(f"/cases/{case}")
    assert "https://facebook.example/p/2" in page.text and "Called the parent." in page.text and "head, parent" in page.text
    assert "Verified: all" in page.text
    assert re.search(r'class="what">note</span>\s*<span class="who">by head@school.example', page.text)


def test_the_audit_timeline_says_when_the_chain_is_broken(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    from store import AuditEvent

    made = school.build(app)
    with app.db.unit_of_work() as session:
        session.execute(
            update(AuditEvent).where(AuditEvent.case_id == made.other, AuditEvent.seq == 1).values(actor="someone-else")
        )
    page = browser(HEAD).get(f"/cases/{made.other}")
    assert "The audit trail does not verify: event 1" in page.text


def test_incident_log_shows_summaries_only_of_the_coordinators_own_cases(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    page = browser(COORDINATOR).get("/log")
    assert page.status_code == 200
    assert "Posts in the staff_offensive category" in page.text
    assert "Posts in the school_complaint category" not in page.text and f"Case {made.other}" in page.text
    assert f'href="/cases/{made.other}"' not in page.text


def test_headteacher_adds_people_and_sets_their_roles(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    head.get("/people")
    assert head.post("/people", {"name": "Dora Director", "email": "dora@school.example", "roles": ["chair"]}).status_code == 303
    refused = head.post("/people", {"name": "Dup", "email": HEAD, "roles": ["chair"]})
    assert refused.status_code == 303 and "already in Redress" in head.get("/people").text
    with app.db.reading() as session:
        dora = session.scalars(select(Person).where(Person.email == "dora@school.example")).one()
    assert head.post(f"/people/{dora.id}/roles", {"roles": ["chair", "coordinator"], "confirm": "yes"}).status_code == 303
    page = head.get("/people")
    assert "Dora Director" in page.text and "no password yet" in page.text
    with app.db.reading() as session:
        assert session.get(Person, dora.id).roles == ["chair", "coordinator"]  # type: ignore[union-attr]
    assert head.post("/people/99999/roles", {"roles": ["chair"], "confirm": "yes"}).status_code == 404


def test_a_role_taken_away_takes_effect_at_once(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    with app.db.reading() as session:
        tess_id = session.scalars(select(Person.id).where(Person.email == TESS)).one()
    head.get("/people")
    head.post(f"/people/{tess_id}/roles", {"roles": ["coordinator"], "confirm": "yes"})
    tess = browser(TESS)
    assert tess.get("/log").status_code == 200
    head.post(f"/people/{tess_id}/roles", {"roles": [], "confirm": "yes"})
    assert tess.get("/log").status_code == 303  # signed out: every session ended with the change
    assert browser(TESS).get("/log").status_code == 403


def test_outbox_lists_failed_messages_and_sends_them_again(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    school.build(app)
    with app.db.unit_of_work() as session:
        session.execute(update(OutboxMessage).values(status="failed", last_error="550 mailbox unavailable", attempts=1))
        first = session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).first()
    head = browser(HEAD)
    page = head.get("/outbox")
    assert page.status_code == 200 and "550 mailbox unavailable" in page.text
    assert head.post(f"/outbox/{first}/retry").status_code == 303
    assert "will be sent again" in head.get("/outbox").text
    assert head.post("/outbox/99999/retry").status_code == 404
    assert head.post("/outbox/retry").status_code == 303
    with app.db.reading() as session:
        assert not session.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")).first()


def test_workflow_page_draws_every_stage_as_svg(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser(SAM).get("/workflow")
    assert page.status_code == 200 and "<svg" in page.text
    for stage in app.current_workflow().spec.stages.values():
        assert stage.title in page.text
    assert "stateDiagram-v2" in page.text


def test_report_page_counts_the_cases(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    school.build(app)
    page = browser(CHAIR).get("/report")
    assert page.status_code == 200 and "Monitoring report" in page.text
    assert "Posts in the" not in page.text
    assert browser(CHAIR).get("/report?from=2026-01-01&to=2026-12-31&by=term").status_code == 200


def test_static_files_and_security_headers(browser) -> None:  # type: ignore[no-untyped-def]
    anonymous = browser()
    css = anonymous.get("/static/style.css")
    assert css.status_code == 200 and "cache-control" not in css.headers
    page = anonymous.get("/sign-in")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "<script" not in page.text and " style=" not in page.text


def test_a_body_over_the_limit_is_refused_before_it_is_read(browser) -> None:  # type: ignore[no-untyped-def]
    anonymous = browser()
    answer = anonymous.client.post("/sign-in", content=b"x", headers={"content-length": str(100 * 1024 * 1024)})
    assert answer.status_code == 413


def _stored_files(app: Redress) -> list[Path]:
    """Every file in the evidence store, its temporary folder included."""
    folder = app.data_dir / "evidence"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_an_upload_of_26_mb_is_refused_with_the_limit_named_and_leaves_no_file(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    case = int(_open(head).headers["location"].rsplit("/", 1)[1])
    head.get(f"/cases/{case}")
    before = _stored_files(app)
    answer = head.post(
        f"/cases/{case}/evidence", {"description": "too big"}, files={"file": ("big.png", bytes(26 * MB), "image/png")}
    )
    assert answer.status_code == 413
    assert answer.text == "the file is over 25 MB: evidence files may be up to 25 MB"
    assert _stored_files(app) == before


def test_a_file_just_over_25_mb_within_the_body_limit_is_refused_while_it_streams_and_leaves_no_file(
    app: Redress, browser
) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    case = int(_open(head).headers["location"].rsplit("/", 1)[1])
    head.get(f"/cases/{case}")
    before = _stored_files(app)
    answer = head.post(
        f"/cases/{case}/evidence", {"description": "just too big"}, files={"file": ("big.png", bytes(25 * MB + 1), "image/png")}
    )
    assert answer.status_code == 303
    assert "the file is over 25 MB" in head.get(answer.headers["location"]).text
    assert _stored_files(app) == before


def test_a_mistyped_address_gets_a_page_not_json(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    for url, status in (("/no-such-page", 404), ("/cases/abc", 422), ("/cases/0", 422)):
        answer = head.get(url)
        assert answer.status_code == status and "text/html" in answer.headers["content-type"], url
    assert head.client.get("/api/no-such-thing").json() == {"detail": "Not Found"}
    assert head.client.post("/workflow").status_code == 405


def test_one_failed_attempt_shows_on_the_outbox_and_the_headteachers_dashboard_with_the_error_and_since_when(
    app: Redress, browser
) -> None:  # type: ignore[no-untyped-def]
    school.build(app)
    with app.db.unit_of_work() as session:
        first = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
        assert first is not None
        first.attempts, first.last_error = 1, "ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 25)"
        opened = app.local(first.created_at)
    head = browser(HEAD)
    for path in ("/", "/outbox"):
        page = head.get(path).text
        assert "Email is not getting through" in page and "Connect call failed" in page and f"Failing since {opened}" in page
        assert "None</" not in page and ": None" not in page
    assert "Email is not getting through" not in browser(CHAIR).get("/").text  # not theirs to send again


def test_the_log_is_filtered_in_the_database_and_exported_as_csv_with_a_record_of_who_exported_what(
    app: Redress, browser
) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    head = browser(HEAD)
    everything = head.get("/log").text
    assert f"Case {made.other}" in everything
    only = head.get("/log?category=staff_offensive").text
    assert "Posts in the staff_offensive category" in only and "Posts in the school_complaint category" not in only
    assert "No incident matches these filters" in head.get("/log?from=2099-01-01").text
    exported = head.get("/log.csv?category=staff_offensive")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.strip().splitlines()
    assert lines[0] == "case,opened,categories,stage,closed,outcome,summary" and len(lines) >= 2
    assert all("school_complaint" not in line for line in lines)
    changes = head.get("/people/changes").text
    assert "incident log exported" in changes and "staff_offensive" in changes
    assert browser(CHAIR).get("/log.csv").status_code == 403


def test_the_log_page_and_its_csv_read_the_same_seven_filters_and_refuse_the_same_bad_ones(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    head = browser(HEAD)
    everyone = {made.logged, made.escalated, made.prejudice, made.other}
    asked = {
        "category=staff_defamation": {made.escalated},
        "stage=chair_meeting": {made.escalated},
        "outcome=open": everyone,
        "outcome=No+further+action": set(),
        "from=2099-01-01": set(),
        "to=2000-01-01": set(),
        f"staff={SAM}": {made.logged, made.escalated},
        "poster=Nobody": set(),
        "poster=++&category=&stage=": everyone,  # empty fields filter nothing
        "from=2026-11-23&to=2026-11-23&staff=" + SAM + "&category=staff_offensive": {made.logged},
    }
    for query, cases in asked.items():
        shown = {int(n) for n in re.findall(r">Case (\d+)<", head.get(f"/log?{query}").text)}
        exported = head.get(f"/log.csv?{query}").text.strip().splitlines()[1:]
        assert (shown, {int(line.split(",")[0]) for line in exported}) == (cases, cases), query
    for bad in ("from=yesterday", "to=2101-01-01", "from=1999-12-31", "category=" + "x" * 201, "poster=" + "p" * 201):
        for path in ("/log", "/log.csv"):
            refused = head.get(f"{path}?{bad}")
            assert refused.status_code == 422, (path, bad)
            assert "the address or the form was not understood" in refused.text, (path, bad)
