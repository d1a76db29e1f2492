"""The lean action path (issue 17): the case read through one Core statement into the session's own objects,
an action that sends no email decided and written in one transaction, the stages a case reached read once
per action. On a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import joinedload

from engine.commands import cases, tracks
from engine.commands.notify import Renders
from engine.commands.people import add_person, deactivate
from engine.context import Redress
from engine.errors import NotFound, Refused
from store import AuditEvent, Case, OutboxMessage, Party, Person, audit, table_of
from store.rows import case_parties_and_tracks, case_with_parties
from tests.conftest import CHAIR, HEAD, SAM, TESS
from tests.integration.helpers import act, count, snapshot

REASON = "The parent refuses to meet and keeps posting."
DEPUTY = "deputy@school.example"


def _open(app: Redress) -> int:
    details = cases.OpenCase(
        categories=["staff_offensive"],
        summary="A parent called two teachers useless in the parents' group",
        staff=[SAM, TESS],
        pupils=["Y5 AB"],
        posters=[("A Parent", "facebook.example/a.parent")],
        platform="Facebook",
    )
    return cases.open_case(app, HEAD, details)


def _columns(obj: Any) -> dict[str, Any]:
    return {attr.key: getattr(obj, attr.key) for attr in inspect(type(obj)).column_attrs}


def test_the_case_read_by_one_statement_is_the_one_the_orm_loads_and_behaves_as_loaded(app):
    case_id = _open(app)
    with app.db.reading() as session:
        loaded = session.get(Case, case_id, options=[joinedload(Case.parties)])
        assert loaded is not None
        expected = (
            _columns(loaded),
            _columns(loaded.opened_by),
            [(_columns(p), _columns(p.person) if p.person else None) for p in loaded.parties],
        )
    with app.db.unit_of_work() as session:
        case = case_with_parties(session, case_id)
        assert case is not None
        made = (
            _columns(case),
            _columns(case.opened_by),
            [(_columns(p), _columns(p.person) if p.person else None) for p in case.parties],
        )
        assert made == expected
        assert [p.kind for p in case.parties] == ["staff", "staff", "pupil", "poster"]
        objects = [case, case.opened_by, *case.parties, *(p.person for p in case.parties if p.person)]
        assert all(inspect(obj).persistent for obj in objects) and not session.dirty and not session.new
        assert all(party.case is case for party in case.parties)
        assert case_with_parties(session, case_id) is case  # the session's own, as session.get gives it
        assert session.get(Person, case.parties[0].person_id) is case.parties[0].person
        # Changed and flushed as an object the ORM loaded: the version check included.
        case.summary = "A parent called two teachers useless"
        case.parties[3].contact = "facebook.example/someone.else"
        session.flush()
        assert case.version == expected[0]["version"] + 1
    with app.db.reading() as session:
        again = session.get(Case, case_id)
        assert again is not None and again.summary == "A parent called two teachers useless"
        contact = session.scalars(select(Party.contact).where(Party.case_id == case_id, Party.kind == "poster")).one()
        assert contact == "facebook.example/someone.else"
        assert case_with_parties(session, case_id + 1000) is None


def test_an_unknown_case_is_refused_with_the_hint(app):
    with pytest.raises(NotFound, match="there is no case 999: 'redress case list' shows the cases"):
        act(app, 999, "acknowledge", staff_reassured="yes")


@contextmanager
def _watched(app: Redress) -> Iterator[dict[str, list[Any]]]:
    """The transactions begun (each BEGIN the app sent) and the statements run, while the block runs."""
    seen: dict[str, list[Any]] = {"begun": [], "statements": [], "rendered": []}

    def statement(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        seen["statements"].append(" ".join(sql.split()))

    def begun(conn: Any) -> None:
        seen["begun"].append(conn)

    renderer = app.renderer
    real_render = renderer.render

    def render(template: str, context: Any) -> Any:
        seen["rendered"].append(template)
        return real_render(template, context)

    event.listen(app.db.engine, "before_cursor_execute", statement)
    event.listen(app.db.engine, "begin", begun)
    renderer.render = render  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        renderer.render = real_render  # type: ignore[method-assign]
        event.remove(app.db.engine, "begin", begun)
        event.remove(app.db.engine, "before_cursor_execute", statement)


def _reached_reads(statements: list[str]) -> int:
    return sum(1 for sql in statements if sql.startswith("SELECT DISTINCT audit_events.case_id, audit_events.stage_after"))


def test_an_action_that_sends_no_email_is_decided_and_written_in_one_transaction(app):
    case_id = _open(app)
    outbox = count(app, OutboxMessage)
    with _watched(app) as seen:
        result = act(app, case_id, "acknowledge", staff_reassured="yes")
    assert result.stage_after == "gathering_evidence" and result.notified == []
    assert len(seen["begun"]) == 1 and seen["rendered"] == []
    assert count(app, OutboxMessage) == outbox
    with app.db.reading() as session:
        assert audit.verify(session, case_id).ok
        last = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq.desc())).first()
        assert last is not None and last.action == "acknowledge" and last.stage_after == "gathering_evidence"


def test_a_refused_action_that_would_send_no_email_changes_nothing(app):
    case_id = _open(app)
    before = snapshot(app, case_id)
    with pytest.raises(Refused):
        act(app, case_id, "acknowledge", by=SAM, staff_reassured="yes")
    assert snapshot(app, case_id) == before


def test_an_action_that_sends_email_is_rolled_back_rendered_then_written_reading_the_stages_reached_once(app):
    case_id = _open(app)
    act(app, case_id, "acknowledge", staff_reassured="yes")
    events = count(app, AuditEvent, case_id=case_id)
    with _watched(app) as seen:
        result = act(app, case_id, "escalate_to_chair", reason=REASON)
    assert result.notified == ["chair_escalation"]
    # The reading pass (rolled back, nothing written), then the write pass: the emails rendered once, between.
    assert len(seen["begun"]) == 2 and seen["rendered"].count("chair_escalation") == 1
    assert _reached_reads(seen["statements"]) == 1
    assert count(app, AuditEvent, case_id=case_id) == events + 1
    assert count(app, OutboxMessage, case_id=case_id, template="chair_escalation", recipient_email=CHAIR) == 1
    with app.db.reading() as session:
        assert audit.verify(session, case_id).ok


def test_the_stages_reached_are_read_again_when_the_case_moved_on_between_the_passes(app, monkeypatch):
    """An event appended while the emails render (a reminder, say: the version stays) moves the chain's head: the
    write pass reads the stages again rather than trust the reading pass's."""
    case_id = _open(app)
    act(app, case_id, "acknowledge", staff_reassured="yes")
    real = Renders.render_wanted
    remarked: list[int] = []

    def remark_while_rendering(self: Renders, renderer: Any) -> None:
        if not remarked:
            with app.db.unit_of_work() as session:
                case = session.get(Case, case_id)
                assert case is not None
                remarked.append(audit.remark(session, case, at=app.clock.now(), actor="system", kind="reminder").seq)
        real(self, renderer)

    monkeypatch.setattr(Renders, "render_wanted", remark_while_rendering)
    with _watched(app) as seen:
        result = act(app, case_id, "escalate_to_chair", reason=REASON)
    assert remarked and result.stage_after == "chair_meeting"
    assert _reached_reads(seen["statements"]) == 2
    with app.db.reading() as session:
        assert audit.verify(session, case_id).ok
        case = session.get(Case, case_id)
        assert case is not None and case.head_seq == remarked[0] + 1


def test_the_case_row_read_is_the_tables_own(app):
    """The statement selects every column of the three tables (a column added to a model is read too)."""
    case_id = _open(app)
    with app.db.unit_of_work() as session:
        case = case_with_parties(session, case_id)
        assert case is not None
        state = inspect(case)
        assert not state.unloaded - {"workflow"}
        assert {c.key for c in table_of(Case).columns} <= set(state.dict)


def _people_reads(statements: list[str]) -> int:
    return sum(1 for sql in statements if sql.startswith("SELECT people."))


def test_an_actor_the_case_names_is_found_without_reading_the_schools_people(app):
    case_id = _open(app)  # opened by the headteacher, who acts on it
    with _watched(app) as seen:
        result = act(app, case_id, "acknowledge", staff_reassured="yes")
    assert result.stage_after == "gathering_evidence" and _people_reads(seen["statements"]) == 0
    with app.db.reading() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq.desc())).first()
        head = session.scalars(select(Person).where(Person.email == HEAD)).one()
        assert event is not None and event.actor == HEAD and event.actor_id == head.id
    # Someone the case does not name is found among the school's people, read once a pass.
    add_person(app, "Dina Deputy", DEPUTY, ["senior_team"])
    with _watched(app) as seen:
        result = act(app, case_id, "escalate_to_chair", by=DEPUTY, reason=REASON)
    assert result.stage_after == "chair_meeting" and _people_reads(seen["statements"]) == 2  # reading pass, write pass
    with app.db.reading() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq.desc())).first()
        assert event is not None and event.actor == DEPUTY


def test_a_member_of_staff_the_case_names_is_still_refused_what_they_may_not_do_or_once_deactivated(app):
    case_id = _open(app)
    before = snapshot(app, case_id)
    with pytest.raises(Refused) as refused:
        act(app, case_id, "acknowledge", by=SAM, staff_reassured="yes")
    assert "Acknowledge" in str(refused.value)
    deactivate(app, TESS, actor=HEAD)
    with pytest.raises(Refused, match="no longer active"):
        act(app, case_id, "acknowledge", by=TESS, staff_reassured="yes")
    assert snapshot(app, case_id) == before


def test_the_tracks_a_case_started_come_with_it_each_once_whatever_its_parties(app):
    details = cases.OpenCase(
        categories=["threat_of_violence"],  # starts the police track at opening
        summary="A threat posted about two teachers",
        staff=[SAM, TESS],
        posters=[("A Parent", "facebook.example/a.parent")],
    )
    case_id = cases.open_case(app, HEAD, details)
    with app.db.reading() as session:
        expected = tracks.load(session, case_id)
    assert expected, "the category started no track: the test proves nothing"
    with app.db.reading() as session:
        found = case_parties_and_tracks(session, case_id)
        assert found is not None
        case, started = found
        assert started is not None and {row[0]: tracks.TrackRow(*row) for row in started} == expected
        assert [p.kind for p in case.parties] == ["staff", "staff", "poster"]  # each party once, though tracks join
    with _watched(app) as seen:
        act(app, case_id, "acknowledge", staff_reassured="yes")
    assert not [sql for sql in seen["statements"] if "FROM case_tracks" in sql]
    with app.db.reading() as session:
        assert tracks.load(session, case_id) == expected  # the main procedure moved; its track stands
