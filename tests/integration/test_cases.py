"""Cases that move, on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update

from engine.commands import cases, records
from engine.context import Redress
from engine.errors import BadInput, Conflict, NotFound, Refused
from engine.queries import cases as queries
from store import AuditEvent, OutboxMessage, Timer
from tests.conftest import CHAIR, COORDINATOR, EQUALITIES, HEAD, SAM, TESS
from tests.integration.helpers import act, count, open_case, snapshot, to_meeting_stage


def test_opened_case_starts_at_the_initial_stage_with_an_audit_event_and_deadlines(app):
    case_id = open_case(app, "staff_offensive", by=COORDINATOR)
    view = queries.show_case(app, case_id, HEAD)
    assert view.stage == "reported"
    assert view.staff_concerned == (SAM,)
    assert view.opened_by == COORDINATOR
    assert [d.name for d in view.deadlines] == ["acknowledge_reminder", "unacknowledged_escalation"]
    assert [(a.name, a.procedure) for a in view.actions] == [
        ("acknowledge", "main"),
        ("escalate_to_chair", "main"),
        ("redirect_to_complaints", "main"),
        ("refer_to_authorities", "main"),
        ("close_no_action", "main"),
        # the starts of the tracks the headteacher may begin from here, beside the case's own steps
        ("start_platform", "platform"),
        ("start_police", "police"),
        ("start_lado", "lado"),
    ]
    trail = queries.audit_trail(app, case_id).events
    assert [(e.kind, e.stage_after, e.actor) for e in trail] == [("opened", "reported", COORDINATOR)]


def _sent(app: Redress, case_id: int) -> set[tuple[str, str]]:
    with app.db.reading() as session:
        return {
            (m.recipient_email, m.template)
            for m in session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id))
        }


def test_staff_concerned_are_reassured_and_headteacher_told_when_a_case_opens(app):
    case_id = open_case(app, "staff_offensive", by=COORDINATOR)
    assert _sent(app, case_id) == {(SAM, "staff_reassurance"), (HEAD, "new_case")}


def test_nobody_is_told_of_their_own_action(app):
    """The headteacher who opens a case is not emailed that it was opened (the page said so); the staff member
    concerned still is."""
    case_id = open_case(app, "staff_offensive")
    assert _sent(app, case_id) == {(SAM, "staff_reassurance")}


def test_prejudice_related_case_tells_the_equalities_manager(app):
    case_id = open_case(app, "racist_or_homophobic")
    assert count(app, OutboxMessage, case_id=case_id, recipient_email=EQUALITIES, template="prejudice_case") == 1
    other = open_case(app, "school_complaint")
    assert count(app, OutboxMessage, case_id=other, recipient_email=EQUALITIES) == 0


def test_action_moves_the_stage_and_chains_the_audit_trail(app):
    case_id = open_case(app)
    result = act(app, case_id, "acknowledge", staff_reassured="yes")
    assert (result.stage_before, result.stage_after, result.version) == ("reported", "gathering_evidence", 2)
    trail = queries.audit_trail(app, case_id).events
    assert trail[-1].action == "acknowledge"
    assert trail[-1].data["fields"] == {"staff_reassured": True}
    assert queries.verify_trail(app, case_id).ok
    with app.db.reading() as session:
        timers = session.scalars(select(Timer).where(Timer.case_id == case_id).order_by(Timer.id)).all()
    assert [(t.deadline, t.status) for t in timers] == [
        ("acknowledge_reminder", "cancelled"),
        ("unacknowledged_escalation", "cancelled"),
        ("evidence_reminder", "pending"),
        ("evidence_escalation", "pending"),
    ]


@pytest.mark.parametrize(
    ("action", "by", "fields", "error", "message"),
    [
        ("acknowlege", HEAD, {}, Refused, "there is no action 'acknowlege' (did you mean 'acknowledge'?)"),
        (
            "arrange_meeting",
            HEAD,
            {},
            Refused,
            "'Arrange a meeting with the poster' cannot be taken while the case is at 'Reported'",
        ),
        (
            "acknowledge",
            TESS,
            {"staff_reassured": "yes"},
            Refused,
            "'Acknowledge and start the investigation' may be taken only by Headteacher",
        ),
        ("acknowledge", SAM, {"staff_reassured": "yes"}, Refused, "you are Member of staff or Staff member concerned"),
        ("acknowledge", HEAD, {}, Refused, "'The staff concerned have been spoken to and reassured' is required"),
        ("acknowledge", HEAD, {"staff_reassured": "maybe"}, Refused, "'maybe' is not yes or no"),
        (
            "acknowledge",
            HEAD,
            {"staff_reassured": "yes", "colour": "red"},
            Refused,
            "'Acknowledge and start the investigation' has no field 'colour'",
        ),
        ("acknowledge", "nobody@school.example", {}, NotFound, "nobody with the email 'nobody@school.example'"),
    ],
)
def test_refused_actions_say_why_and_change_nothing(app, action, by, fields, error, message):
    case_id = open_case(app)
    before = snapshot(app, case_id)
    with pytest.raises(error) as refused:
        cases.take_action(app, case_id, action, by, fields)
    assert message in str(refused.value)
    assert snapshot(app, case_id) == before


def test_guard_refuses_a_meeting_before_any_evidence(app):
    case_id = open_case(app)
    act(app, case_id, "acknowledge", staff_reassured="yes")
    before = snapshot(app, case_id)
    with pytest.raises(Refused, match="the case has no evidence yet"):
        act(app, case_id, "arrange_meeting", meeting_date="2026-11-30", invited_by="letter")
    assert snapshot(app, case_id) == before
    records.add_evidence_link(app, case_id, HEAD, "https://facebook.example/post/1")
    assert act(app, case_id, "arrange_meeting", meeting_date="2026-11-30", invited_by="Letter").stage_after == "meeting_poster"


def test_unknown_case_and_closed_case_are_refused(app):
    with pytest.raises(NotFound, match="there is no case 999"):
        act(app, 999, "acknowledge", staff_reassured="yes")
    case_id = open_case(app)
    act(app, case_id, "close_no_action", reason="The post was a misunderstanding and was deleted")
    with pytest.raises(Refused, match=f"case {case_id} is closed"):
        act(app, case_id, "acknowledge", staff_reassured="yes")


def test_a_stale_version_gets_a_conflict_not_an_overwrite(app):
    case_id = open_case(app)
    act(app, case_id, "acknowledge", staff_reassured="yes")
    with pytest.raises(Conflict, match=re.escape("changed since you looked (it is now at 'Gathering evidence')")):
        cases.take_action(app, case_id, "close_no_action", HEAD, {"reason": "x"}, expected_version=1)
    assert queries.show_case(app, case_id).stage == "gathering_evidence"


def test_a_failure_half_way_through_a_command_leaves_nothing_behind(app):
    """Invariant 1: the stage, audit, outbox and timers change together or not at all."""
    case_id = open_case(app)
    before = snapshot(app, case_id)

    class BrokenRenderer:
        def render(self, template, context):
            raise RuntimeError("the disk filled up")

    real = app.renderer
    app.__dict__["renderer"] = BrokenRenderer()
    with pytest.raises(RuntimeError):
        act(app, case_id, "escalate_to_chair", reason="The posts continue")  # notifies the chair: fails after the stage moved
    app.__dict__["renderer"] = real
    assert snapshot(app, case_id) == before


def test_evidence_file_is_stored_by_its_hash_and_its_name_never_becomes_a_path(app):
    case_id = open_case(app)
    content = b"\x89PNG screenshot bytes"
    item = records.add_evidence_file(app, case_id, COORDINATOR, content, "../../etc/passwd", "the post")
    digest = hashlib.sha256(content).hexdigest()
    assert item.sha256 == digest and item.size == len(content)
    assert item.original_name == "passwd"
    stored = Path(app.settings.data_dir) / "evidence" / digest[:2] / digest
    assert stored.read_bytes() == content
    again = records.add_evidence_file(app, case_id, HEAD, content, "copy.png")
    assert again.sha256 == digest
    assert [e.name for e in queries.show_case(app, case_id).evidence] == ["passwd", "copy.png"]


def test_bad_evidence_is_refused(app):
    case_id = open_case(app)
    with pytest.raises(BadInput, match="is not a web link"):
        records.add_evidence_link(app, case_id, HEAD, "javascript:alert(1)")
    with pytest.raises(Refused, match="may add to a case's record"):
        records.add_evidence_link(app, case_id, SAM, "https://example.org/post")
    assert count(app, AuditEvent, case_id=case_id) == 1


def test_notes_and_meetings_are_recorded_and_audited(app):
    case_id = open_case(app)
    records.add_note(app, case_id, HEAD, "Spoke to Sam, who is upset but fine.")
    records.record_meeting(app, case_id, HEAD, date(2026, 11, 20), "Headteacher, the parent")
    view = queries.show_case(app, case_id)
    assert view.notes[0].text == "Spoke to Sam, who is upset but fine."
    assert view.meetings[0].held_on == date(2026, 11, 20)
    assert [e.kind for e in queries.audit_trail(app, case_id).events] == ["opened", "note", "meeting"]


def test_tampering_with_one_audit_row_is_named_by_verification(app):
    case_id = open_case(app)
    act(app, case_id, "acknowledge", staff_reassured="yes")
    records.add_note(app, case_id, HEAD, "Original note")
    assert queries.verify_trail(app, case_id).ok
    with app.db.unit_of_work() as session:
        session.execute(
            update(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq == 2).values(actor="chair@school.example")
        )
    result = queries.verify_trail(app, case_id)
    assert not result.ok and result.first_bad_seq == 2
    assert "event 2 (action" in result.reason


def test_whole_procedure_from_report_to_legal_advice(app):
    case_id = open_case(app, "staff_defamation")
    to_meeting_stage(app, case_id)
    records.record_meeting(app, case_id, HEAD, date(2026, 11, 20), "Headteacher, the parent")
    act(app, case_id, "record_meeting_outcome", reason="Upset about a detention", outcome="refused to remove the posts")
    act(app, case_id, "confirm_removal", removal_confirmed="no", checked_on="2026-11-21")
    act(app, case_id, "give_warning", warned_on="2026-11-22", method="letter")
    with pytest.raises(Refused, match="removal of the posts has not been confirmed"):
        act(app, case_id, "resolve", outcome_summary="x")
    act(app, case_id, "escalate_to_chair", reason="The posts are still up")
    act(app, case_id, "record_chair_meeting", by=CHAIR, held_on="2026-11-23", summary="The parent would not engage")
    act(app, case_id, "seek_legal_advice", reason="New posts appeared")
    result = act(app, case_id, "close_after_legal_advice", advice_summary="Solicitor's letter sent; posts removed")
    assert result.closed and result.stage_after == "closed"
    trail = queries.audit_trail(app, case_id).events
    assert [e.stage_after for e in trail if e.kind == "action"] == [
        "gathering_evidence",
        "meeting_poster",
        "removal_requested",
        "warning",
        "outcome_review",
        "chair_meeting",
        "way_forward",
        "legal_advice",
        "closed",
    ]
    assert queries.verify_trail(app, case_id).ok
    assert count(app, OutboxMessage, case_id=case_id, recipient_email=CHAIR, template="chair_escalation") == 1
    assert count(app, Timer, case_id=case_id, status="pending") == 0
    assert queries.show_case(app, case_id).outcome == "closed after legal advice"


def test_two_events_of_one_case_in_one_transaction_chain_correctly(app):
    from store import audit

    case_id = open_case(app)
    with app.db.unit_of_work() as session:
        first = audit.append(session, case_id, at=app.clock.now(), actor="system", kind="reminder", data={"n": 1})
        second = audit.append(session, case_id, at=app.clock.now(), actor="system", kind="reminder", data={"n": 2})
    assert (first.seq, second.seq) == (2, 3) and second.prev_hash == first.hash
    assert queries.verify_trail(app, case_id).ok
