"""Tracks run alongside a case's own procedure, on a real SQLite file and a real PostgreSQL server: the police
(pausing the school's clock), the platform, the LADO and the removal of the posts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.commands import integrity, records
from engine.commands.people import add_person
from engine.context import Redress
from engine.errors import Refused
from engine.queries import cases as queries
from engine.worker.firing import fire_due
from store import CaseTrack, OutboxMessage, Person, Timer
from tests.conftest import CHAIR, COORDINATOR, HEAD, MONDAY, SAM
from tests.integration.helpers import act, count, open_case, to_meeting_stage
from workflows import Deadline

DSL = "dsl@school.example"
THURSDAY = MONDAY + timedelta(days=3)


def timers(app: Redress, case_id: int, track: str | None = None, *, status: str | None = None) -> dict[str, Timer]:
    with app.db.reading() as session:
        query = select(Timer).where(Timer.case_id == case_id, Timer.track.is_(None) if track is None else Timer.track == track)
        if status:
            query = query.where(Timer.status == status)
        return {t.deadline: t for t in session.scalars(query.order_by(Timer.id))}


def track_row(app: Redress, case_id: int, track: str) -> CaseTrack:
    with app.db.reading() as session:
        row = session.scalars(select(CaseTrack).where(CaseTrack.case_id == case_id, CaseTrack.track == track)).one()
        session.expunge(row)
        return row


def emails(app: Redress, case_id: int) -> set[tuple[str, str]]:
    with app.db.reading() as session:
        return {
            (m.recipient_email, m.template)
            for m in session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id))
        }


def kinds(app: Redress, case_id: int) -> list[tuple[str, str | None]]:
    return [(e.kind, e.action) for e in queries.audit_trail(app, case_id).events]


def due(app: Redress, start: datetime, after: str) -> datetime:
    return app.calendar.due(start, Deadline(name="x", after=after, remind=("headteacher",)).after)  # type: ignore[arg-type]


def test_a_threat_goes_to_the_police_and_the_schools_clock_pauses_and_resumes_with_the_time_it_had_left(app):
    case_id = open_case(app, "threat_of_violence")
    assert track_row(app, case_id, "police").stage == "with_police"
    # with the police: the case is held from any purge as it enters the stage (`legal_hold:`)
    assert kinds(app, case_id) == [("opened", None), ("track_started", None), ("paused", None), ("held", None)]
    reported = timers(app, case_id)
    assert {t.status for t in reported.values()} == {"paused"}
    # The threat's faster deadline: two hours, not a school day; it kept all of them.
    assert reported["acknowledge_reminder"].remaining_seconds == 2 * 3600
    assert timers(app, case_id, "police")["police_reminder"].status == "pending"
    view = queries.show_case(app, case_id, HEAD)
    assert [p.text for p in view.paused] == ["paused: waiting for the police since Mon 23 Nov"]
    assert [(t.name, t.stage, t.running) for t in view.tracks] == [("police", "with_police", True)]
    assert {(d.name, d.track, d.paused) for d in view.deadlines} >= {
        ("acknowledge_reminder", None, True),
        ("police_reminder", "police", False),
    }
    assert {(a.name, a.procedure) for a in view.actions} >= {
        ("acknowledge", "main"),
        ("record_police_outcome", "police"),
    }

    # Nothing of the school's own fires while the police have it.
    app.clock.set(MONDAY + timedelta(days=1))  # type: ignore[attr-defined]
    assert fire_due(app).fired == 0

    # The school's own procedure goes on meanwhile; its new stage's deadlines start paused, with their whole time.
    app.clock.set(MONDAY)  # type: ignore[attr-defined]
    act(app, case_id, "acknowledge", staff_reassured="yes")
    evidence = timers(app, case_id, status="paused")
    assert evidence["evidence_reminder"].remaining_seconds == 4 * 3600  # the threat's 4 hours
    assert set(evidence) == {"evidence_reminder", "evidence_escalation"}

    app.clock.set(THURSDAY)  # type: ignore[attr-defined]
    act(app, case_id, "record_police_outcome", police_outcome="Harassment warning given", police_reference="PR/123")
    row = track_row(app, case_id, "police")
    assert row.stage == "police_outcome" and row.finished_at == THURSDAY
    resumed = timers(app, case_id, status="pending")
    assert resumed["evidence_reminder"].due_at == THURSDAY + timedelta(hours=4)  # hours: the elapsed time left
    assert resumed["evidence_escalation"].due_at == due(app, THURSDAY, "10 school days")  # school days: counted again
    assert [k for k, _ in kinds(app, case_id)][-2:] == ["track_action", "resumed"]
    assert queries.show_case(app, case_id, HEAD).paused == ()
    assert queries.verify_trail(app, case_id).ok
    full = integrity.verify(app, case_id=case_id)  # pauses and track moves replay to the rows as they stand
    assert full.ok, full.problems
    assert (SAM, "authority_outcome") in emails(app, case_id)


def test_the_staff_member_named_in_a_threat_gets_one_urgent_safety_email_and_no_one_gets_two(app):
    case_id = open_case(app, "threat_of_violence")
    sent = emails(app, case_id)
    assert (SAM, "staff_safety") in sent
    assert (SAM, "staff_reassurance") not in sent and (SAM, "authorities_referral") not in sent
    assert (CHAIR, "violence_threat") in sent and (CHAIR, "authorities_referral") not in sent
    assert (COORDINATOR, "authorities_referral") in sent
    urgent = [to for to, template in sent if template in ("staff_safety", "violence_threat", "authorities_referral")]
    assert len(urgent) == len(set(urgent))
    with app.db.reading() as session:
        body = session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.template == "staff_safety")).one()
    assert "Call 999" in body and "101" in body


def test_an_ordinary_case_reassures_the_staff_member(app):
    case_id = open_case(app, "staff_offensive")
    assert (SAM, "staff_reassurance") in emails(app, case_id)
    assert (SAM, "staff_safety") not in emails(app, case_id)


def test_a_platform_report_is_chased_by_the_worker_after_48_hours_then_taken_to_the_helpline(app):
    case_id = open_case(app)
    offered = {a.name for a in queries.show_case(app, case_id, COORDINATOR).actions}
    assert "start_platform" in offered
    result = act(app, case_id, "start_platform", by=COORDINATOR, platform="Facebook", reference="FB-1")
    assert (result.stage_after, result.track, result.track_stage) == ("reported", "platform", "reported_to_platform")
    wait = timers(app, case_id, "platform")["platform_wait_over"]
    assert wait.due_at == MONDAY + timedelta(hours=48)
    with pytest.raises(Refused, match="already under way"):
        act(app, case_id, "start_platform", by=COORDINATOR, platform="Facebook")

    app.clock.set(MONDAY + timedelta(hours=47))  # type: ignore[attr-defined]
    fire_due(app)
    assert "platform_wait_over" not in {e.data.get("deadline") for e in queries.audit_trail(app, case_id).events}
    app.clock.set(MONDAY + timedelta(hours=48))  # type: ignore[attr-defined]
    assert fire_due(app).reminders == 1
    with app.db.reading() as session:
        told = set(
            session.scalars(
                select(OutboxMessage.recipient_email).where(
                    OutboxMessage.case_id == case_id, OutboxMessage.template == "deadline_reminder"
                )
            )
        )
    assert told == {HEAD, COORDINATOR}
    assert timers(app, case_id, "platform", status="pending")["platform_wait_over"].repeat == 1

    act(app, case_id, "escalate_to_helpline", by=COORDINATOR, helpline_reference="POSH-9")
    assert track_row(app, case_id, "platform").stage == "with_helpline"
    assert set(timers(app, case_id, "platform", status="pending")) == {"helpline_reminder"}
    assert set(timers(app, case_id, status="pending")) == {
        "acknowledge_reminder",
        "unacknowledged_escalation",
    }  # the main clock is untouched


def test_removal_recorded_after_the_chair_meeting_lets_the_case_be_resolved_and_a_reappearance_chases_again(app):
    case_id = open_case(app, "staff_defamation")
    to_meeting_stage(app, case_id)
    records.record_meeting(app, case_id, HEAD, date(2026, 11, 20), "Headteacher, the parent")
    act(app, case_id, "record_meeting_outcome", reason="Upset about a detention", outcome="refused to remove the posts")
    assert track_row(app, case_id, "removal").stage == "removal_pending"
    assert ("track_started", None) in kinds(app, case_id)
    act(app, case_id, "escalate_to_chair", reason="The posts are still up")
    act(app, case_id, "record_chair_meeting", by=CHAIR, held_on="2026-11-21", summary="The parent agreed to remove them")
    act(app, case_id, "agree_way_forward", by=CHAIR, way_forward="The posts come down")  # the chair's way forward first
    with pytest.raises(Refused, match="removal of the posts has not been confirmed"):
        act(app, case_id, "resolve", outcome_summary="x")

    act(app, case_id, "record_removal", checked_on="2026-11-22")  # every day a past one (the input rules)
    assert set(timers(app, case_id, "removal", status="pending")) == {"recheck_removal"}
    act(app, case_id, "reappeared", seen_on="2026-11-22", link="https://facebook.example/post/2")
    assert track_row(app, case_id, "removal").stage == "removal_pending"
    assert set(timers(app, case_id, "removal", status="pending")) == {"removal_check_reminder"}
    act(app, case_id, "record_removal", checked_on="2026-11-23")

    result = act(app, case_id, "resolve", outcome_summary="The posts came down after the chair's meeting")
    assert result.closed and result.stage_after == "resolved"
    assert count(app, Timer, case_id=case_id, status="pending") == 0
    assert count(app, Timer, case_id=case_id, status="paused") == 0
    assert queries.verify_trail(app, case_id).ok
    full = integrity.verify(app, case_id=case_id)  # the chain, its signatures, and the case rows replayed from it
    assert full.ok, full.problems


def test_a_track_action_needs_its_track_under_way(app):
    case_id = open_case(app)
    with pytest.raises(Refused, match="not under way on this case: take 'start_police' first"):
        act(app, case_id, "record_police_outcome", police_outcome="x")
    with pytest.raises(Refused, match="may be taken only by"):
        act(app, case_id, "start_police", by=SAM)


def test_a_pupil_case_reaches_the_designated_safeguarding_lead_by_email(app):
    add_person(app, "Dana Safeguarding", DSL, ["dsl"])
    pupils = open_case(app, "pupil_offensive")
    staff = open_case(app, "staff_offensive")
    assert (DSL, "new_case") in emails(app, pupils)
    assert not any(to == DSL for to, _ in emails(app, staff))


def test_the_designated_safeguarding_lead_sees_every_pupil_case_in_full_and_no_other(app):
    """KCSIE: the DSL is told of a case about a pupil, reads it in full (page, lists and email alike, by the
    one sight rule) and records decisions on it; a case about staff stays out of the DSL's sight."""
    from engine.queries.access import case_access, load_viewer
    from engine.queries.overview import visible_cases
    from engine.rules.access import Sight

    add_person(app, "Dana Safeguarding", DSL, ["dsl"])
    pupils = open_case(app, "pupil_offensive", summary="A parent named pupil AB in a post")
    staff = open_case(app, "staff_offensive")
    with app.db.reading() as session:
        dsl = session.scalars(select(Person.id).where(Person.email == DSL)).one()
        viewer = load_viewer(session, dsl, app.current_workflow(session).spec)
    assert viewer is not None
    assert case_access(app, viewer, pupils)[1] is Sight.FULL and case_access(app, viewer, staff)[1] is Sight.NONE
    assert [c.id for c in visible_cases(app, viewer).items] == [pupils]  # the lists' SQL agrees with the rule
    with app.db.reading() as session:
        told = session.scalars(
            select(OutboxMessage).where(OutboxMessage.case_id == pupils, OutboxMessage.recipient_email == DSL)
        ).one()
    assert "pupil AB" in told.body_text  # the full email: the DSL may read the case
    act(app, pupils, "start_police", by=DSL)  # a decision the DSL may record
    assert track_row(app, pupils, "police").stage == "with_police"


def test_an_allegation_against_staff_starts_the_lado_track_due_within_one_working_day(app):
    add_person(app, "Dana Safeguarding", DSL, ["dsl"])
    case_id = open_case(app, "staff_allegation")
    assert track_row(app, case_id, "lado").stage == "to_consult"
    lado = timers(app, case_id, "lado")
    assert lado["lado_overdue"].due_at == due(app, MONDAY, "1 working day") == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert lado["lado_reminder"].due_at == MONDAY + timedelta(hours=4)
    app.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    fire_due(app)
    with app.db.reading() as session:
        told = set(
            session.scalars(
                select(OutboxMessage.recipient_email).where(
                    OutboxMessage.case_id == case_id, OutboxMessage.template == "deadline_reminder"
                )
            )
        )
    assert {HEAD, DSL, CHAIR} <= told
    act(app, case_id, "record_lado_consultation", by=DSL, consulted_on="2026-11-24", lado_advice="Internal investigation")
    assert track_row(app, case_id, "lado").finished_at is not None
    assert timers(app, case_id, "lado", status="pending") == {}
