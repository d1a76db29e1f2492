"""The worker's own emails (the daily digest, the policy review) and one `--once` round, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from engine.queries import cases as queries
from engine.worker.digest import send_digest_if_due, send_review_if_due
from engine.worker.loop import run_worker
from notifications.mailbox import list_messages, running_mailbox
from store import OutboxMessage, Timer
from tests.conftest import COORDINATOR, HEAD
from tests.integration.helpers import act, count, open_case

TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def outbox(app, template: str) -> list[OutboxMessage]:
    with app.db.reading() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.template == template).order_by(OutboxMessage.id)))


def test_daily_digest_tells_the_headteacher_what_is_overdue_and_due_soon_once_a_day(app):
    waiting, acknowledged = open_case(app, summary="Posts about Mr Smith"), open_case(app, summary="Photo of Ms Jones")
    act(app, acknowledged, "acknowledge", staff_reassured="yes")
    app.clock.set(TUESDAY_10)
    assert send_digest_if_due(app) == 1
    assert send_digest_if_due(app) == 0  # once a day
    [digest] = outbox(app, "daily_digest")
    assert (digest.recipient_email, digest.case_id) == (HEAD, None)
    assert "1 overdue, 1 due soon" in digest.subject
    overdue, due_soon = digest.body_text.split("Due soon")
    assert f"Case {waiting}" in overdue and "Posts about Mr Smith" in overdue
    assert f"Case {acknowledged}" in due_soon and "Photo of Ms Jones" in due_soon
    app.clock.set(TUESDAY_10 + timedelta(days=1))
    assert send_digest_if_due(app) == 1


def test_policy_review_reminder_goes_to_the_headteacher_and_coordinator_once(app):
    app.clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    assert send_review_if_due(app) == 2
    assert send_review_if_due(app) == 0
    reminders = outbox(app, "policy_review")
    assert {m.recipient_email for m in reminders} == {HEAD, COORDINATOR}
    assert all(m.case_id is None and "Monday 1 March 2027" in m.body_text for m in reminders)


def test_worker_once_fires_what_is_due_and_sends_the_outbox(app, tmp_path: Path):
    case_id = open_case(app)
    app.clock.set(TUESDAY_10)
    with running_mailbox(tmp_path / "mail") as port:
        app.settings = app.settings.model_copy(update={"mailbox_port": port})
        result = run_worker(app, once=True)
    assert result is not None
    assert (result.fired.reminders, result.reports.digest, result.reports.review) == (1, 1, 0)
    assert result.mail.sent == count(app, OutboxMessage) == count(app, OutboxMessage, status="sent")
    subjects = [m.subject for m in list_messages(tmp_path / "mail")]
    assert any(f"case {case_id} has waited" in s for s in subjects)
    assert "fired 1 deadline(s): 1 reminder(s)" in result.summary()


def test_long_running_worker_fires_a_deadline_written_while_it_runs(app):
    from engine.rules.clock import SystemClock

    app.clock = SystemClock()
    app.settings = app.settings.model_copy(update={"mailbox_port": 9, "digest_enabled": False, "policy_review_enabled": False})
    case_id = open_case(app)
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(app,), kwargs={"stop": stop})
    thread.start()
    try:
        # The deadline falls due a second from now: the escalation, since a reminder waits for school hours when
        # this runs in the evening, at a weekend or in the holidays (the clock here is the real one).
        with app.db.unit_of_work() as session:
            timer = session.scalars(select(Timer).where(Timer.case_id == case_id, Timer.kind == "escalation")).one()
            timer.due_at = app.clock.now() + timedelta(seconds=1)
        escalated = _wait_for(
            lambda: any(e.kind == "action" and e.actor == "system" for e in queries.audit_trail(app, case_id).events)
        )
    finally:
        stop.set()
        thread.join(timeout=60)
    assert escalated and not thread.is_alive()


def _wait_for(condition, timeout: float = 30.0) -> bool:  # a hang guard, not a speed assertion
    import time

    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        if condition():
            return True
        time.sleep(0.1)
    return False
