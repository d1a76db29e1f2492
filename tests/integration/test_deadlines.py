"""Deadlines that fire on their own, on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from engine.context import Redress
from engine.queries import cases as queries
from engine.worker import firing
from engine.worker.firing import FireResult, earliest_due, fire_due
from store import AuditEvent, Case, OutboxMessage, Timer
from tests.conftest import CHAIR, HEAD, MONDAY, SCHOOL, WORKFLOW, make_app
from tests.integration.helpers import act, count, open_case

# The case opens on MONDAY (23 Nov 2026, 10:00): it waits for one school day, then is chased daily.
TUESDAY_9 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
NEXT_MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def fire_at(app: Redress, at: datetime) -> FireResult:
    app.clock.set(at)  # type: ignore[attr-defined]
    return fire_due(app)


def timers(app: Redress, case_id: int) -> list[tuple[str, str, int]]:
    with app.db.reading() as session:
        rows = session.scalars(select(Timer).where(Timer.case_id == case_id).order_by(Timer.id))
        return [(t.deadline, t.status, t.repeat) for t in rows]


def events(app: Redress, case_id: int, kind: str) -> list[dict]:
    return [e for e in queries.audit_trail(app, case_id).events if e.kind == kind]


def test_entering_a_stage_starts_its_deadlines_and_leaving_cancels_them(app):
    case_id = open_case(app)
    assert timers(app, case_id) == [("acknowledge_reminder", "pending", 0), ("unacknowledged_escalation", "pending", 0)]
    act(app, case_id, "acknowledge", staff_reassured="yes")
    assert timers(app, case_id) == [
        ("acknowledge_reminder", "cancelled", 0),
        ("unacknowledged_escalation", "cancelled", 0),
        ("evidence_reminder", "pending", 0),
        ("evidence_escalation", "pending", 0),
    ]


def test_nothing_fires_before_its_due_time(app):
    case_id = open_case(app)
    assert fire_at(app, TUESDAY_9 - timedelta(seconds=1)) == FireResult()
    assert events(app, case_id, "reminder") == []
    assert count(app, OutboxMessage, template="deadline_reminder") == 0


def test_reminder_fires_when_due_tells_the_headteacher_and_repeats(app):
    case_id = open_case(app)
    result = fire_at(app, TUESDAY_9)
    assert (result.fired, result.reminders, result.escalations) == (1, 1, 0)
    [reminder] = events(app, case_id, "reminder")
    assert reminder.actor == "system" and reminder.data["deadline"] == "acknowledge_reminder"
    assert reminder.data["repeat"] == 0
    with app.db.reading() as session:
        [message] = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "deadline_reminder")).all()
    assert message.recipient_email == HEAD and message.case_id == case_id
    assert "acknowledge reminder" in message.body_text and "Mon 23 Nov 2026 10:00" in message.body_text
    assert ("acknowledge_reminder", "pending", 1) in timers(app, case_id)

    assert fire_at(app, TUESDAY_9 + timedelta(days=1)).reminders == 1  # the repeat: one school day later
    assert [e.data["repeat"] for e in events(app, case_id, "reminder")] == [0, 1]
    assert count(app, OutboxMessage, template="deadline_reminder", recipient_email=HEAD) == 2


def test_untouched_case_is_reminded_then_escalated_to_the_chair_by_the_system(app):
    case_id = open_case(app)
    for day in range(4):  # Tuesday to Friday
        assert fire_at(app, TUESDAY_9 + timedelta(days=day)).reminders == 1
    assert fire_at(app, datetime(2026, 11, 28, 12, 0, tzinfo=UTC)) == FireResult()  # Saturday: not a school day
    result = fire_at(app, NEXT_MONDAY_9)  # the escalation and a reminder fall due together: the escalation wins
    assert (result.reminders, result.escalations, result.cancelled) == (0, 1, 0)
    assert len(events(app, case_id, "reminder")) == 4

    view = queries.show_case(app, case_id)
    assert view.stage == "chair_meeting"
    assert [d.name for d in view.deadlines] == ["chair_meeting_reminder"]
    [escalation] = [e for e in events(app, case_id, "action") if e.action == "escalate_to_chair"]
    assert escalation.actor == "system" and escalation.data["deadline"] == "unacknowledged_escalation"
    assert (escalation.stage_before, escalation.stage_after) == ("reported", "chair_meeting")
    with app.db.reading() as session:
        [email] = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "chair_escalation")).all()
    assert email.recipient_email == CHAIR
    assert "unacknowledged escalation" in email.body_text and "automatically" in email.body_text
    assert queries.verify_trail(app, case_id).ok


def test_firing_again_fires_nothing_twice(app):
    case_id = open_case(app)
    first = fire_at(app, NEXT_MONDAY_9)
    again = fire_due(app)
    assert first.fired == 2 and again == FireResult()
    assert len(events(app, case_id, "reminder")) == 1
    assert count(app, AuditEvent, case_id=case_id, kind="action", actor="system") == 1


def test_deadline_missed_while_no_worker_ran_fires_once(app):
    case_ids = [open_case(app) for _ in range(3)]
    result = fire_at(app, MONDAY + timedelta(days=30))
    assert (result.reminders, result.escalations) == (3, 3)
    for case_id in case_ids:
        assert len(events(app, case_id, "reminder")) == 1  # not one per school day missed
        assert queries.show_case(app, case_id).stage == "chair_meeting"
    assert fire_due(app) == FireResult()


def test_a_repeating_reminder_fired_late_comes_round_again_after_now(app):
    case_id = open_case(app)
    late = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # Thursday afternoon: due Tuesday, fired late
    app.clock.set(late)
    with app.db.unit_of_work() as session:  # keep the escalation out of the way
        session.get_one(Case, case_id)
        for timer in session.scalars(select(Timer).where(Timer.deadline == "unacknowledged_escalation")):
            timer.status = "cancelled"
    fire_due(app)
    [reminder] = events(app, case_id, "reminder")
    assert reminder.data["next_due"] == "2026-11-27T09:00:00+00:00"  # Friday, not Wednesday


def test_overdue_cases_are_listed_and_show_lists_pending_deadlines(app):
    waiting, acknowledged = open_case(app), open_case(app)
    act(app, acknowledged, "acknowledge", staff_reassured="yes")
    app.clock.set(TUESDAY_9 + timedelta(hours=1))
    assert [c.id for c in queries.list_cases(app, overdue=True)] == [waiting]
    shown = queries.show_case(app, waiting)
    assert shown.overdue is True
    assert shown.next_due == shown.deadlines[0].due_at  # `case show` once always said null here
    assert [(d.name, d.due_at.isoformat(), d.overdue) for d in shown.deadlines] == [
        ("acknowledge_reminder", "2026-11-24T09:00:00+00:00", True),
        ("unacknowledged_escalation", "2026-11-30T09:00:00+00:00", False),
    ]
    fire_due(app)
    assert queries.list_cases(app, overdue=True) == []  # reminded: the next reminder is not due yet


def test_timer_of_a_closed_case_is_cancelled(app):
    case_id = open_case(app)
    act(app, case_id, "close_no_action", reason="Posts removed by the poster")
    with app.db.unit_of_work() as session:  # a stray timer, as if left by an older version of Redress
        session.add(
            Timer(
                case_id=case_id,
                stage="reported",
                deadline="acknowledge_reminder",
                kind="reminder",
                due_at=TUESDAY_9,
                status="pending",
                repeat=0,
                created_at=MONDAY,
            )
        )
    assert fire_at(app, TUESDAY_9) == FireResult(cancelled=1)
    assert events(app, case_id, "reminder") == []


def test_deadline_of_a_stage_the_case_left_is_skipped_with_the_reason(app):
    case_id = open_case(app)
    act(app, case_id, "acknowledge", staff_reassured="yes")
    with app.db.unit_of_work() as session:
        session.add(
            Timer(
                case_id=case_id,
                stage="reported",
                deadline="unacknowledged_escalation",
                kind="escalation",
                due_at=TUESDAY_9,
                status="pending",
                repeat=0,
                created_at=MONDAY,
            )
        )
    assert fire_at(app, TUESDAY_9).failed == 1
    [skipped] = events(app, case_id, "deadline_skipped")
    assert skipped.actor == "system" and "moved on from 'reported' to 'gathering_evidence'" in skipped.data["reason"]
    assert queries.show_case(app, case_id).stage == "gathering_evidence"


def test_refused_escalation_is_skipped_and_the_rest_of_the_batch_fires(database_url, tmp_path: Path):
    # A workflow whose escalation has a guard an untouched case fails: the action is refused.
    strict = tmp_path / "strict.yaml"
    source = WORKFLOW.read_text()
    assert source.count("roles: [headteacher, senior_team, system]") == 1
    strict.write_text(
        source.replace(
            "roles: [headteacher, senior_team, system]", "roles: [headteacher, senior_team, system]\n    guards: [has_evidence]"
        )
    )
    app = make_app(database_url, tmp_path, workflow=strict)
    try:
        from engine.commands.people import add_person

        for name, email, roles in SCHOOL:
            add_person(app, name, email, roles)
        case_id = open_case(app)
        result = fire_at(app, NEXT_MONDAY_9)
        assert (result.reminders, result.escalations, result.failed) == (1, 0, 1)
        [skipped] = events(app, case_id, "deadline_skipped")
        assert skipped.data["deadline"] == "unacknowledged_escalation" and "no evidence" in skipped.data["reason"]
        assert queries.show_case(app, case_id).stage == "reported"
        assert count(app, OutboxMessage, template="deadline_reminder") == 1
        assert fire_due(app) == FireResult()
        assert queries.verify_trail(app, case_id).ok
    finally:
        app.close()


def test_two_workers_at_once_fire_each_timer_once(app):
    case_ids = [open_case(app) for _ in range(12)]
    app.clock.set(NEXT_MONDAY_9)
    results: list[FireResult] = []
    threads = [threading.Thread(target=lambda: results.append(fire_due(app, batch=3, patience=5))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(r.fired for r in results) == 24
    for case_id in case_ids:
        assert len(events(app, case_id, "reminder")) == 1
        assert count(app, AuditEvent, case_id=case_id, kind="action", actor="system") == 1
        assert queries.verify_trail(app, case_id).ok


def test_a_reminder_whose_email_cannot_be_written_is_skipped_leaving_nothing_half_done(app):
    from engine.commands.people import add_person

    add_person(app, "Dana Deputy", "deputy@school.example", ["headteacher"])  # the second of two recipients
    case_id = open_case(app)
    other = open_case(app)
    real = app.renderer

    class RefusesOneCase:
        def render(self, template, context):
            if (template, context["case"]["id"], context["recipient"]["email"]) == (
                "deadline_reminder",
                case_id,
                "deputy@school.example",
            ):
                from notifications.errors import TemplateError

                raise TemplateError("'oops' is undefined", template="deadline_reminder.txt", line=3)
            return real.render(template, context)

    outbox_before = count(app, OutboxMessage)
    app.__dict__["renderer"] = RefusesOneCase()
    result = fire_at(app, TUESDAY_9)
    app.__dict__["renderer"] = real
    assert (result.reminders, result.failed) == (1, 1)
    [skipped] = events(app, case_id, "deadline_skipped")
    assert "could not be rendered" in skipped.data["reason"]
    assert events(app, case_id, "reminder") == []
    assert count(app, OutboxMessage, case_id=case_id) == count(app, OutboxMessage, case_id=case_id, template="new_case") + count(
        app, OutboxMessage, case_id=case_id, template="staff_reassurance"
    )  # no reminder row for it
    assert count(app, OutboxMessage) == outbox_before + 2  # the other case's reminders (head and deputy) only
    assert ("acknowledge_reminder", "fired", 0) in timers(app, case_id)
    assert [e.data["deadline"] for e in events(app, other, "reminder")] == ["acknowledge_reminder"]
    assert queries.verify_trail(app, case_id).ok


def test_a_reminder_missed_overnight_waits_for_the_school_morning_but_an_escalation_does_not(app):
    case_id = open_case(app)
    wednesday_2am = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # the reminder fell due Tuesday 09:00; no worker ran
    assert fire_at(app, wednesday_2am).fired == 0
    assert events(app, case_id, "reminder") == []
    assert earliest_due(app) == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # working hours start at 08:00 (GMT)
    assert fire_at(app, datetime(2026, 11, 25, 8, 0, tzinfo=UTC)).reminders == 1

    saturday_night = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)  # the escalation fell due on Monday 30 Nov
    result = fire_at(app, saturday_night)
    assert (result.escalations, result.reminders) == (1, 0)
    assert [e.action for e in queries.audit_trail(app, case_id).events if e.kind == "action"] == ["escalate_to_chair"]


class _Deadlock(Exception):
    sqlstate = "40P01"


def test_a_batch_ended_by_a_deadlock_is_tried_again_and_fires_each_timer_once(app, monkeypatch):
    """PostgreSQL ends one of two transactions caught in a lock cycle: the worker's batch is rolled back whole and
    tried again, so its timers fire once (here the first write pass is ended as PostgreSQL would end it)."""
    case_id = open_case(app)
    real, ended = firing._Batch.fire_all, []

    def fire_all(batch, timers):  # type: ignore[no-untyped-def]
        if timers and not batch.reading and not ended:
            ended.append(True)
            batch.session.connection().execute(select(1))  # the transaction has begun writing
            raise OperationalError("UPDATE timers ...", {}, _Deadlock("deadlock detected"))
        return real(batch, timers)

    monkeypatch.setattr(firing._Batch, "fire_all", fire_all)
    assert fire_at(app, NEXT_MONDAY_9).fired == 2 and ended == [True]
    assert len(events(app, case_id, "reminder")) == 1
    assert count(app, AuditEvent, case_id=case_id, kind="action", actor="system") == 1


def test_any_other_database_error_still_stops_the_worker(app, monkeypatch):
    open_case(app)

    def fire_all(batch, timers):  # type: ignore[no-untyped-def]
        raise OperationalError("UPDATE timers ...", {}, Exception("disk I/O error"))

    monkeypatch.setattr(firing._Batch, "fire_all", fire_all)
    with pytest.raises(OperationalError, match="disk I/O error"):  # not a deadlock: not swallowed, not retried
        fire_at(app, NEXT_MONDAY_9)


def test_a_batch_writes_its_rows_together_and_a_refused_escalation_leaves_none_of_its_own(app, monkeypatch):
    """The worker keeps each batch's timer marks, audit events and emails for the end of its transaction
    (store.later): an escalation refused after it kept its emails and its event must leave neither, and a
    reminder fired before its case's escalation in the same batch stays fired (not cancelled by the action)."""
    from engine.commands import cases as case_commands
    from engine.errors import Refused

    refused, escalated = open_case(app), open_case(app)
    moving = case_commands._move_procedures

    def refuse_one(app_, session, spec, case, *args, **kwargs):
        if case.id == refused:  # after the emails and the action's event were kept for the end of the batch
            raise Refused("the police asked the school to wait")
        return moving(app_, session, spec, case, *args, **kwargs)

    monkeypatch.setattr(case_commands, "_move_procedures", refuse_one)
    outbox_before = {case_id: count(app, OutboxMessage, case_id=case_id) for case_id in (refused, escalated)}
    result = fire_at(app, NEXT_MONDAY_9)
    assert (result.reminders, result.escalations, result.failed) == (2, 1, 1)

    assert queries.show_case(app, refused).stage == "reported"
    assert count(app, AuditEvent, case_id=refused, kind="action") == 0
    [skipped] = events(app, refused, "deadline_skipped")
    assert "the police asked the school to wait" in skipped.data["reason"]
    # Only its reminder was told: none of the escalation's emails survived the refusal.
    assert count(app, OutboxMessage, case_id=refused) == outbox_before[refused] + 1
    assert count(app, OutboxMessage, case_id=refused, template="deadline_reminder") == 1
    assert ("acknowledge_reminder", "fired", 0) in timers(app, refused)
    assert ("unacknowledged_escalation", "fired", 0) in timers(app, refused)

    assert queries.show_case(app, escalated).stage == "chair_meeting"
    assert count(app, OutboxMessage, case_id=escalated) > outbox_before[escalated] + 1
    assert timers(app, escalated)[:2] == [("acknowledge_reminder", "fired", 0), ("unacknowledged_escalation", "fired", 0)]
    for case_id in (refused, escalated):
        assert queries.verify_trail(app, case_id).ok
    assert fire_due(app) == FireResult()


def test_an_escalation_that_pauses_its_cases_timers_leaves_its_own_fired_and_not_paused(app, monkeypatch):
    """A timer's "fired" mark is kept for the end of its batch: the escalation's action may meanwhile pause (or
    cancel) the case's pending timers, the firing one among them; the mark, written last, is what it ends as."""
    from engine.commands import cases as case_commands
    from engine.commands import deadlines

    case_id = open_case(app)
    moving = case_commands._move_procedures

    def pause_first(app_, session, spec, case, *args, **kwargs):
        assert deadlines.pause(session, case.id, None, app_.clock.now()) >= 1  # the firing timer is still pending
        return moving(app_, session, spec, case, *args, **kwargs)

    monkeypatch.setattr(case_commands, "_move_procedures", pause_first)
    assert fire_at(app, NEXT_MONDAY_9).escalations == 1
    with app.db.reading() as session:
        fired = session.scalars(select(Timer).where(Timer.case_id == case_id, Timer.status == "fired")).all()
    assert sorted(t.deadline for t in fired) == ["acknowledge_reminder", "unacknowledged_escalation"]
    assert all(t.fired_at is not None and t.paused_at is None and t.remaining_seconds is None for t in fired)
