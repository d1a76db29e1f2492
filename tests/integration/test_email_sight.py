"""Each email tells its reader no more than the reader may read in the app, on a real SQLite file and a real
PostgreSQL server, delivered through a real SMTP server (aiosmtpd) on loopback.

The case is seeded with marker strings (its summary, a pupil's reference, the poster's name, the reason given
with an action) which must never reach someone who may not open the case in full."""

from __future__ import annotations

from collections import Counter
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.commands.people import add_person
from engine.context import Redress
from engine.queries.access import access_of, load_viewer
from engine.rules.access import Sight, case_sight
from notifications.dispatch import SmtpSettings, dispatch_due_sync
from notifications.mailbox import list_messages, read_message, running_mailbox
from store import Case, OutboxMessage, Person
from tests.conftest import CHAIR, COORDINATOR, HEAD, SAM, SCHOOL, make_app
from tests.integration.helpers import act, open_case

BASE = "https://redress.oakfield.example"
SUMMARY = "SUMMARYMARK: a parent wrote that pupil PUPILREF-7731 saw Mr Staff at the gate and named POSTERNAME-Jones"
MARKERS = ("SUMMARYMARK", "PUPILREF-7731", "POSTERNAME", "REASONMARK", "facebook.example", "Facebook", "Helen Head")
THREAT = "Comment which threatens violence"
OFFENSIVE = "Negative or offensive comment made about school staff"


@pytest.fixture
def app(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    redress = make_app(database_url, tmp_path, base_url=BASE)
    for name, email, roles in SCHOOL:
        add_person(redress, name, email, roles)
    yield redress
    redress.close()


def sight_of(app: Redress, case_id: int, email: str) -> Sight:
    """The page's own rule: how much of the case this person may read in the app."""
    with app.db.reading() as session:
        person = session.scalars(select(Person).where(Person.email == email)).one()
        case = session.get_one(Case, case_id)
        spec = app.current_workflow(session).spec
        viewer = load_viewer(session, person.id, spec)
        assert viewer is not None
        return case_sight(viewer, access_of(session, case), app.compiled(case.workflow_id).spec)


def outbox(app: Redress, case_id: int) -> list[OutboxMessage]:
    with app.db.reading() as session:
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id).order_by(OutboxMessage.id)))
        session.expunge_all()
        return rows


def delivered(app: Redress, tmp_path: Path) -> dict[tuple[str, str], EmailMessage]:
    """Send the outbox through a real SMTP server; every message received, by (recipient, subject)."""
    folder = tmp_path / "mail"
    with running_mailbox(folder) as port:
        result = dispatch_due_sync(app.db, SmtpSettings(port=port, timeout=5), app.clock.now())
    assert result.failed == 0
    return {
        (parseaddr(listed.to)[1], listed.subject): read_message(folder, number)
        for number, listed in enumerate(list_messages(folder), start=1)
    }


def to(messages: dict[tuple[str, str], EmailMessage], email: str) -> list[EmailMessage]:
    return [message for (recipient, _), message in messages.items() if recipient == email]


def whole(message: EmailMessage) -> str:
    """Subject, text and HTML of a delivered email, as one string to search."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return "\n".join([str(message["Subject"]), text.get_content(), html.get_content()])


def assert_minimal(body: str, category: str) -> None:
    for marker in MARKERS:
        assert marker not in body, marker
    assert category in body
    assert "Mon 23 Nov 2026" in body  # the date it was logged
    assert f"{BASE}/sign-in" in body  # a link to sign in, not to a page they may not open


def test_the_chairs_email_about_a_threat_hidden_from_the_chair_has_the_category_date_and_link_and_nothing_else(app, tmp_path):
    case_id = open_case(app, "threat_of_violence", summary=SUMMARY)
    assert sight_of(app, case_id, CHAIR) is Sight.NONE  # the app answers 404
    messages = delivered(app, tmp_path)

    chair = to(messages, CHAIR)
    assert len(chair) == 1
    body = whole(chair[0])
    assert_minimal(body, THREAT)
    assert "What was reported" not in body
    # The chair is not asked to do what the chair cannot do on a case hidden from the chair.
    assert "Record any referral" not in body and "Redress will email you" in body


def test_the_coordinators_email_about_a_case_the_head_logged_is_minimal(app, tmp_path):
    case_id = open_case(app, "staff_offensive", summary=SUMMARY)
    act(app, case_id, "refer_to_authorities", authority="police", reference="REASONMARK-999", reason="REASONMARK why")
    assert sight_of(app, case_id, COORDINATOR) is Sight.LOG  # the app answers 403
    messages = delivered(app, tmp_path)

    coordinator = to(messages, COORDINATOR)
    assert len(coordinator) == 1
    body = whole(coordinator[0])
    assert_minimal(body, OFFENSIVE)
    assert "Referred to the authorities" in body  # the stage, in people's words
    assert "referred_to_authorities" not in body


def test_the_headteachers_email_still_carries_the_detail(app, tmp_path):
    case_id = open_case(app, "threat_of_violence", summary=SUMMARY, by=COORDINATOR)  # the head is told of another's act
    assert sight_of(app, case_id, HEAD) is Sight.FULL
    head = to(delivered(app, tmp_path), HEAD)
    assert len(head) == 1
    body = whole(head[0])
    assert "SUMMARYMARK" in body and "PUPILREF-7731" in body and "Facebook" in body
    assert f"{BASE}/cases/{case_id}" in body


def test_one_email_per_person_for_one_threat(app):
    case_id = open_case(app, "threat_of_violence", summary=SUMMARY, by=COORDINATOR)  # the coordinator is not told of it
    per_person = Counter(row.recipient_email for row in outbox(app, case_id))
    assert per_person == {HEAD: 1, CHAIR: 1, SAM: 1}
    urgent = [row for row in outbox(app, case_id) if row.subject.startswith("Urgent")]
    assert sorted(row.recipient_email for row in urgent) == sorted([HEAD, CHAIR, SAM])


def test_the_staff_member_concerned_is_linked_to_their_matter_and_told_nothing_of_the_posts(app):
    case_id = open_case(app, "staff_offensive", summary=SUMMARY)
    assert sight_of(app, case_id, SAM) is Sight.MATTER
    (row,) = [row for row in outbox(app, case_id) if row.recipient_email == SAM]
    assert row.template == "staff_reassurance"
    for marker in MARKERS:
        assert marker not in row.body_text + row.body_html + row.subject, marker
    assert "Education Support" in row.body_text  # the reassurance itself, not the minimal email
    assert f"{BASE}/cases/{case_id}" in row.body_text


def test_those_told_of_a_referral_are_told_when_its_outcome_is_recorded(app, tmp_path):
    case_id = open_case(app, "staff_offensive", summary=SUMMARY)
    act(app, case_id, "refer_to_authorities", authority="police", reference="REASONMARK-1", reason="REASONMARK why")
    told = {row.recipient_email for row in outbox(app, case_id) if row.template == "authorities_referral"}
    assert told == {CHAIR, COORDINATOR}
    act(app, case_id, "close_after_referral", authority_outcome="REASONMARK: no further action by the police")
    outcome = [row for row in outbox(app, case_id) if row.template == "authority_outcome"]
    assert {row.recipient_email for row in outcome} == told
    messages = delivered(app, tmp_path)
    for email in told:
        (last,) = [m for (r, s), m in messages.items() if r == email and "outcome" in s.lower()]
        assert_minimal(whole(last), OFFENSIVE)
        assert "Closed" in whole(last)


def test_a_school_may_ask_for_a_template_in_full_for_every_reader(database_url, tmp_path):
    app = make_app(database_url, tmp_path, base_url=BASE, email_full_templates=("authorities_referral",))
    try:
        for name, email, roles in SCHOOL:
            add_person(app, name, email, roles)
        case_id = open_case(app, "staff_offensive", summary=SUMMARY)
        act(app, case_id, "refer_to_authorities", authority="police", reference="REASONMARK-2", reason="REASONMARK why")
        (row,) = [r for r in outbox(app, case_id) if r.recipient_email == COORDINATOR]
        assert "SUMMARYMARK" in row.body_text and "REASONMARK-2" in row.body_text
    finally:
        app.close()


def test_a_digest_reader_who_may_not_read_a_case_gets_its_category_not_its_summary(database_url, tmp_path):
    from datetime import UTC, datetime

    from engine.worker.digest import send_digest_if_due
    from tests.conftest import WORKFLOW

    # A school that sends the daily digest to the coordinator too.
    workflow = tmp_path / "workflows.yaml"
    source = WORKFLOW.read_text()
    assert source.count("receive_digest:          [headteacher]") == 1
    workflow.write_text(
        source.replace("receive_digest:          [headteacher]", "receive_digest:          [headteacher, coordinator]")
    )
    app = make_app(database_url, tmp_path, base_url=BASE, workflow=workflow)
    try:
        for name, email, roles in SCHOOL:
            add_person(app, name, email, roles)
        case_id = open_case(app, "staff_offensive", summary=SUMMARY)
        assert sight_of(app, case_id, COORDINATOR) is Sight.LOG
        app.clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))  # type: ignore[attr-defined]
        assert send_digest_if_due(app) == 2
        with app.db.reading() as session:
            digests = {
                m.recipient_email: m.body_text
                for m in session.scalars(select(OutboxMessage).where(OutboxMessage.template == "daily_digest"))
            }
        assert "SUMMARYMARK" in digests[HEAD]
        assert "SUMMARYMARK" not in digests[COORDINATOR] and "PUPILREF-7731" not in digests[COORDINATOR]
        assert f"Case {case_id}" in digests[COORDINATOR] and OFFENSIVE in digests[COORDINATOR]
    finally:
        app.close()
