"""The workflow's own legal hold, on a real SQLite file and a real PostgreSQL server: a case that enters a stage
declaring `legal_hold` (the authorities, the police track, legal advice) is held in the same unit of work that
moves it, whoever moves it (a person, the worker's escalation, an opening, a reopening), so no crash between the
two can leave a case with the police and open to a retention purge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from engine.commands import corrections
from engine.commands.integrity import verify
from engine.commands.people import add_person
from engine.context import Redress
from engine.worker.firing import fire_due
from store import AuditEvent, Case, Timer, audit
from tests.conftest import HEAD, SCHOOL, WORKFLOW, make_app
from tests.integration.helpers import act, count, open_case, snapshot
from tests.integration.test_tamper import problems

NEXT_MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
"""Five school days after the cases open (MONDAY): an untouched case is escalated to the chair."""


class Crash(Exception):
    """Stands for the process dying part-way through a unit of work."""


@pytest.fixture
def crash_at_the_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """The last write of the unit of work, the hold's event, fails: everything before it must go too."""
    insert_event = audit.insert_event

    def failing(session: Any, values: dict[str, Any]) -> None:
        if values["kind"] == "held":
            raise Crash("the process died")
        insert_event(session, values)

    monkeypatch.setattr(audit, "insert_event", failing)


@contextmanager
def write_transactions(app: Redress) -> Iterator[list[list[str]]]:
    """The statements that changed rows, one list for each transaction that committed them."""
    committed: list[list[str]] = []
    current: list[str] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            current.append(statement)

    def commit(_conn: Any) -> None:
        if current:
            committed.append(list(current))
        current.clear()

    def rollback(_conn: Any) -> None:
        current.clear()

    engine = app.db.engine
    listeners = (("after_cursor_execute", executed), ("commit", commit), ("rollback", rollback))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield committed
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def chain(app: Redress, case_id: int) -> list[AuditEvent]:
    with app.db.reading() as session:
        return audit.events(session, case_id)


def held(app: Redress, case_id: int) -> str | None:
    with app.db.reading() as session:
        return session.get_one(Case, case_id).held_reason


def test_a_referral_moves_and_holds_the_case_in_one_transaction(app):
    case_id = open_case(app, "staff_offensive")
    with write_transactions(app) as committed:
        result = act(app, case_id, "refer_to_authorities", authority="police", reference="REF-1", reason="A threat")
    assert len(committed) == 1, f"the move and the hold took {len(committed)} transactions"
    assert held(app, case_id) == "Referred to the authorities"
    *_, action, hold = chain(app, case_id)
    assert (action.kind, action.action, action.stage_after) == ("action", "refer_to_authorities", "referred_to_authorities")
    assert (hold.kind, hold.seq, hold.at, hold.actor, hold.data) == (
        "held",
        action.seq + 1,
        action.at,
        "system",
        {"reason": "Referred to the authorities", "automatic": True},
    )
    with app.db.reading() as session:
        assert session.get_one(Case, case_id).version == result.version  # the version the caller is told includes the hold
    result = verify(app)
    assert result.ok, problems(result)


def test_a_crash_at_the_hold_leaves_neither_the_move_nor_the_hold(app, crash_at_the_hold):
    case_id = open_case(app, "staff_offensive")
    before = snapshot(app, case_id)
    with pytest.raises(Crash):
        act(app, case_id, "refer_to_authorities", authority="police", reference="REF-1", reason="A threat")
    assert snapshot(app, case_id) == before, "the case moved without its hold"
    assert held(app, case_id) is None


def test_a_threat_opens_with_the_police_and_held_in_one_transaction(app):
    with write_transactions(app) as committed:
        threat = open_case(app, "threat_of_violence")  # the police track starts at opening
    assert len(committed) == 1 and held(app, threat) == "With the police"
    assert [e.kind for e in chain(app, threat)] == ["opened", "track_started", "paused", "held"]


def test_a_crash_at_the_hold_of_a_threat_opens_no_case(app, crash_at_the_hold):
    with pytest.raises(Crash):
        open_case(app, "threat_of_violence")
    assert count(app, Case) == 0, "a case was opened with the police and no hold"


def test_starting_the_police_track_holds_the_case_in_its_transaction(app, crash_at_the_hold):
    case_id = open_case(app, "staff_offensive")
    before = snapshot(app, case_id)
    with pytest.raises(Crash):
        act(app, case_id, "start_police")
    assert snapshot(app, case_id) == before
    assert count(app, AuditEvent, case_id=case_id, track="police") == 0


def test_starting_the_police_track_holds_the_case(app):
    case_id = open_case(app, "staff_offensive")
    with write_transactions(app) as committed:
        act(app, case_id, "start_police")
    assert len(committed) == 1 and held(app, case_id) == "With the police"
    assert [e.kind for e in chain(app, case_id)][-3:] == ["track_started", "paused", "held"]
    assert verify(app).ok


def a_school_on(database_url: str, tmp_path: Path, change: tuple[str, str]) -> Redress:
    """The shipped workflow with one line changed, and the school's people."""
    source = WORKFLOW.read_text()
    old, new = change
    assert source.count(old) == 1
    workflow = tmp_path / "workflow.yaml"
    workflow.write_text(source.replace(old, new))
    app = make_app(database_url, tmp_path, workflow=workflow)
    for name, email, roles in SCHOOL:
        add_person(app, name, email, roles)
    return app


CHAIR_WITH_LAWYERS = ("  chair_meeting:\n", "  chair_meeting:\n    legal_hold: The chair has taken legal advice\n")


def test_the_workers_escalation_into_a_held_stage_holds_the_case_in_its_batch(database_url, tmp_path):
    app = a_school_on(database_url, tmp_path, CHAIR_WITH_LAWYERS)
    try:
        case_id = open_case(app)
        app.clock.set(NEXT_MONDAY_9)  # type: ignore[attr-defined]
        assert fire_due(app).escalations == 1
        assert held(app, case_id) == "The chair has taken legal advice"
        events = chain(app, case_id)
        [escalation] = [e for e in events if e.action == "escalate_to_chair"]
        hold = events[escalation.seq]  # the event after it (seq counts from 1)
        assert (hold.kind, hold.at, hold.data["automatic"]) == ("held", escalation.at, True)
        result = verify(app)
        assert result.ok, problems(result)
    finally:
        app.close()


def test_a_crash_at_the_workers_hold_rolls_its_escalation_back(database_url, tmp_path, crash_at_the_hold):
    app = a_school_on(database_url, tmp_path, CHAIR_WITH_LAWYERS)
    try:
        case_id = open_case(app)
        app.clock.set(NEXT_MONDAY_9)  # type: ignore[attr-defined]
        with pytest.raises(Crash):
            fire_due(app)
        with app.db.reading() as session:
            case = session.get_one(Case, case_id)
            assert (case.stage, case.held_at) == ("reported", None)
            pending = session.scalars(select(Timer.deadline).where(Timer.case_id == case_id, Timer.status == "pending"))
            assert "unacknowledged_escalation" in set(pending)  # the next run fires it again, hold and all
    finally:
        app.close()


def test_a_case_reopened_into_a_held_stage_is_held_with_its_reopening(database_url, tmp_path):
    app = a_school_on(database_url, tmp_path, ("reopen: {to: outcome_review,", "reopen: {to: legal_advice,"))
    try:
        case_id = open_case(app)
        act(app, case_id, "close_no_action", reason="A misunderstanding")
        with write_transactions(app) as committed:
            assert corrections.reopen_case(app, case_id, HEAD, "the posts are back, with threats") == "legal_advice"
        assert len(committed) == 1 and held(app, case_id) == "Legal advice is being taken"
        assert [e.kind for e in chain(app, case_id)][-2:] == ["reopened", "held"]
        result = verify(app)
        assert result.ok, problems(result)
    finally:
        app.close()
