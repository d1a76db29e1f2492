"""The worker reading ahead in a second process (engine.worker.readahead), on a real SQLite file and a real
PostgreSQL server: the same deadlines fired the same way as a worker reading every batch itself, each once;
a reader that dies or reads a case that changes before its batch is written costs time, never correctness."""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine.commands.corrections import correct_case
from engine.commands.people import add_person
from engine.context import Redress
from engine.worker import firing, readahead
from engine.worker.firing import FireResult, fire_due
from store import AuditEvent, Case, OutboxMessage, Timer, audit
from tests.conftest import HEAD, SCHOOL, make_app
from tests.integration.helpers import open_case

CASES = 12
BATCH = 3  # eight batches of three cases (a reminder and an escalation each)
# The cases open on Monday 23 November 10:00: the reminder fell due on Tuesday, the escalation on the next Monday.
FIRED_AT = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
SUMMARY = "A parent called Mr Smith useless in the school's Facebook group"
_names = itertools.count()
CORRECTED = "A parent wrote that Mr Smith is useless, in the Year 5 parents' group"


def _school(url: str, folder: Path) -> Redress:
    app = make_app(url, folder)
    for name, email, roles in SCHOOL:
        add_person(app, name, email, roles)
    for _ in range(CASES):
        open_case(app)
    app.clock.set(FIRED_AT)  # type: ignore[attr-defined]
    return app


@pytest.fixture
def two_schools(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[tuple[Redress, Redress]]:
    """Two schools alike: one fires reading every batch itself, the other reading ahead."""
    if database_url.startswith("sqlite"):
        other = f"sqlite:///{tmp_path / 'ahead' / 'redress.db'}"
        (tmp_path / "ahead").mkdir()
    else:
        other = request.getfixturevalue("pg_server").create_database(f"redress_ahead_{os.getpid()}_{next(_names)}")
    schools = (_school(database_url, tmp_path / "itself"), _school(other, tmp_path / "ahead"))
    yield schools
    for school in schools:
        school.close()


def _in_process_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the batches the worker reads itself (the reader process's are not counted: it has its own copy)."""
    calls: list[int] = []
    real = firing.read_batch

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(firing, "read_batch", counted)
    return calls


def _what_happened(app: Redress) -> dict[str, Any]:
    """Everything the run wrote that a person would read, without what differs between two databases by nature
    (the chain's MACs under each school's own key, row ids of other tables)."""
    with app.db.reading() as session:
        cases = {c.id: (c.stage, c.version, c.head_seq) for c in session.scalars(select(Case))}
        trail = [
            (e.case_id, e.seq, e.kind, e.actor, e.stage_before, e.stage_after, e.data)
            for e in session.scalars(select(AuditEvent).order_by(AuditEvent.case_id, AuditEvent.seq))
        ]
        timers = sorted((t.case_id, t.deadline, t.status, t.repeat, t.due_at.isoformat()) for t in session.scalars(select(Timer)))
        outbox = sorted(
            (m.case_id, m.template, m.recipient_email, m.subject, m.body_text) for m in session.scalars(select(OutboxMessage))
        )
        chains = [audit.verify(session, case_id).ok for case_id in cases]
    return {"cases": cases, "trail": trail, "timers": timers, "outbox": outbox, "chains": chains}


def test_reading_ahead_fires_every_deadline_once_as_a_worker_reading_each_batch_itself(two_schools, monkeypatch):
    itself, ahead = two_schools
    reads = _in_process_reads(monkeypatch)
    alone = fire_due(itself, batch=BATCH, read_ahead=False)
    read_alone = len(reads)
    reads.clear()
    together = fire_due(ahead, batch=BATCH)  # enough is due (READ_AHEAD_AT batches): it reads ahead of itself

    assert alone == together == FireResult(fired=2 * CASES, reminders=CASES, escalations=CASES)
    assert read_alone >= CASES // BATCH  # every batch read by the worker itself
    assert len(reads) <= 2, "the reader process read the batches after the first (and the worker, at most, the last)"
    done = _what_happened(ahead)
    assert done == _what_happened(itself)
    assert all(done["chains"])
    assert {stage for stage, _, _ in done["cases"].values()} == {"chair_meeting"}
    assert sum(1 for row in done["outbox"] if row[1] == "deadline_reminder") == CASES  # once each, not twice
    assert fire_due(ahead, batch=BATCH, read_ahead=True) == FireResult()  # nothing left to fire


def test_a_reader_process_that_dies_leaves_the_worker_to_read_for_itself(two_schools, monkeypatch, caplog):
    itself, ahead = two_schools
    real_submit = readahead.ReadAhead.submit
    asked: list[int] = []

    def submit_then_die(self: readahead.ReadAhead, exclude: Any) -> bool:
        sent = real_submit(self, exclude)
        asked.append(1)
        if len(asked) == 2 and self.process is not None:
            self.process.kill()  # killed while it reads the third batch
        return sent

    monkeypatch.setattr(readahead.ReadAhead, "submit", submit_then_die)
    fire_due(itself, batch=BATCH, read_ahead=False)
    reads = _in_process_reads(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="redress.worker"):
        result = fire_due(ahead, batch=BATCH, read_ahead=True)

    assert result == FireResult(fired=2 * CASES, reminders=CASES, escalations=CASES)
    assert "reading ahead stopped" in caplog.text
    assert len(reads) >= CASES // BATCH - 2  # from the third batch on, the worker read each itself
    assert _what_happened(ahead) == _what_happened(itself)


def test_a_case_corrected_after_the_reader_read_it_is_told_as_it_now_stands(two_schools, monkeypatch):
    _, ahead = two_schools
    real_take = readahead.ReadAhead.take
    corrected: list[int] = []

    def take_then_correct(self: readahead.ReadAhead, asked: bool) -> Any:
        got = real_take(self, asked)
        if got is not None and not corrected:
            case_id = got[0][0]  # a case the reader has read and rendered for, not yet written
            correct_case(ahead, case_id, HEAD, "The summary misquoted the post", summary=CORRECTED)
            corrected.append(case_id)
        return got

    monkeypatch.setattr(readahead.ReadAhead, "take", take_then_correct)
    result = fire_due(ahead, batch=BATCH, read_ahead=True)

    assert result == FireResult(fired=2 * CASES, reminders=CASES, escalations=CASES)
    [case_id] = corrected
    with ahead.db.reading() as session:
        told = session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.case_id == case_id)).all()
        others = session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.case_id != case_id)).all()
    assert told and all(CORRECTED in body and SUMMARY not in body for body in told if "What was reported" in body)
    assert any("What was reported" in body for body in told)
    assert all(SUMMARY in body for body in others if "What was reported" in body)


def test_with_little_due_the_worker_reads_each_batch_itself(two_schools, monkeypatch):
    _, ahead = two_schools
    started = []
    monkeypatch.setattr(readahead.ReadAhead, "__init__", lambda *args: started.append(args))
    reads = _in_process_reads(monkeypatch)
    batch = 2 * CASES // readahead.READ_AHEAD_AT + 1  # fewer than READ_AHEAD_AT batches' worth are due

    assert fire_due(ahead, batch=batch).fired == 2 * CASES
    assert started == [] and len(reads) >= 2 * CASES // batch
