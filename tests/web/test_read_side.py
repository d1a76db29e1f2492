"""The typed read side: one read transaction per page, a statement count that does not grow with the
case's history, the access rule in SQL agreeing with the rule in Python, paged lists, a warm cache."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engine import Sight, as_json, dashboard, incident_log, visible_cases
from engine.commands import records
from engine.context import Redress
from engine.queries import overview
from engine.queries.access import load_access, load_viewer
from engine.queries.cases import show_case
from engine.queries.visibility import full_sight
from engine.rules.access import Viewer, case_sight
from store import Case, Party, Person, WorkflowVersion
from tests.conftest import CHAIR, COORDINATOR, EQUALITIES, HEAD, SAM, SCHOOL
from tests.support.history import generate_history
from tests.web import school
from tests.web.conftest import SECRET


@dataclass
class Counts:
    transactions: int = 0
    statements: list[str] = field(default_factory=list)


@contextmanager
def counted(app: Redress) -> Iterator[Counts]:
    """Count the transactions begun and the statements run on the app's engine while the block runs."""
    counts = Counts()

    def on_begin(_connection: Any) -> None:
        counts.transactions += 1

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA")):
            counts.statements.append(statement)

    event.listen(app.db.engine, "begin", on_begin)
    event.listen(app.db.engine, "before_cursor_execute", on_statement)
    try:
        yield counts
    finally:
        event.remove(app.db.engine, "begin", on_begin)
        event.remove(app.db.engine, "before_cursor_execute", on_statement)


def _viewer(app: Redress, session: Session, email: str) -> Viewer | None:
    """The person with this email, with the powers the current workflow gives them."""
    person_id = session.scalars(select(Person.id).where(Person.email == email)).one()
    return load_viewer(session, person_id, app.current_workflow(session).spec)


def _case_page_get(app: Redress, browser: Any, case_id: int) -> Counts:
    with counted(app) as counts:
        response = browser.get(f"/cases/{case_id}")
    assert response.status_code == 200
    return counts


def test_a_case_page_is_one_read_transaction_plus_its_access_record_and_does_not_grow_with_history(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    head = browser(HEAD)
    head.get(f"/cases/{made.escalated}")  # sessions, caches: warm
    before = _case_page_get(app, head, made.escalated)
    for n in range(12):  # a longer history: events, notes, evidence
        records.add_note(app, made.escalated, HEAD, f"note {n}")
        records.add_evidence_link(app, made.escalated, HEAD, f"https://example.org/{n}", "")
    after = _case_page_get(app, head, made.escalated)
    # The session, the viewer, the access check and the page in one read snapshot; then one append to the
    # access log (who viewed the case: custody of the record), in a write of its own after the read.
    assert before.transactions == 2 and after.transactions == 2
    for counts in (before, after):
        writes = [s for s in counts.statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
        assert len(writes) == 1 and "access_log" in writes[0]
    # 17: the headteacher may give the case an owner, so the page reads the school's active people once (the choices).
    assert len(after.statements) == len(before.statements) <= 24
    assert not any("workflow_versions.source" in s for s in after.statements)  # no YAML is read, let alone parsed


def test_the_matter_page_is_one_read_transaction_too(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    sam = browser(SAM)
    with counted(app) as counts:
        assert sam.get(f"/cases/{made.logged}").status_code == 200
    reads = counts.transactions - sum(s.lstrip().upper().startswith("INSERT INTO ACCESS_LOG") for s in counts.statements)
    assert reads == 1


def test_the_access_rule_in_sql_agrees_with_the_rule_in_python_for_everyone(app: Redress) -> None:
    school.build(app)
    with app.db.reading() as session:
        ids = list(session.scalars(select(Case.id)))
        facts = load_access(session, ids)
        for person_id in session.scalars(select(Person.id)):
            viewer = load_viewer(session, person_id, app.current_workflow(session).spec)
            assert viewer is not None
            condition = full_sight(app, session, viewer)
            query = select(Case.id) if condition is None else select(Case.id).where(condition)
            in_sql = set(session.scalars(query))
            in_python = {i for i in ids if case_sight(viewer, facts[i], app.compiled(facts[i].workflow_id).spec) is Sight.FULL}
            assert in_sql == in_python, viewer.email


def test_the_dashboard_pages_open_cases_soonest_due_first_and_counts_them_in_sql(app: Redress) -> None:
    made = school.build(app)
    with app.db.reading() as session:
        head = _viewer(app, session, HEAD)
        equalities = _viewer(app, session, EQUALITIES)
    assert head is not None and equalities is not None
    board = dashboard(app, head, limit=2)
    assert board.open_total == 4 and len(board.cases) == 2 and board.limit == 2
    rest = dashboard(app, head, offset=2, limit=2)
    dues = [c.next_due for c in board.cases + rest.cases]
    due = [d for d in dues if d is not None]
    assert due and dues[: len(due)] == sorted(due)  # soonest due first, the cases with no deadline last
    assert {c.id for c in board.cases + rest.cases} == {made.logged, made.escalated, made.prejudice, made.other}
    assert [c.id for c in dashboard(app, equalities).cases] == [made.prejudice]
    assert len(dashboard(app, head).recent) <= 10


def test_lists_are_paged_and_presented_as_json_with_iso_times(app: Redress) -> None:
    made = school.build(app)
    with app.db.reading() as session:
        head = _viewer(app, session, HEAD)
    assert head is not None
    first = visible_cases(app, head, limit=3)
    assert first.total == 4 and [c.id for c in first.items] == sorted(c.id for c in first.items)
    assert len(visible_cases(app, head, offset=3, limit=3).items) == 1
    log = incident_log(app, head, limit=2)
    assert log.total == 4 and len(log.items) == 2
    shown = as_json(show_case(app, made.escalated))
    assert shown["opened_at"].endswith("+00:00") and shown["next_due"] == shown["deadlines"][0]["due_at"]


def test_the_case_list_api_takes_page_parameters_and_tells_the_total(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    school.build(app)
    head = browser(HEAD)
    page = head.client.get("/api/cases?offset=1&limit=2")
    assert page.status_code == 200 and len(page.json()) == 2 and page.headers["x-total-count"] == "4"
    assert head.client.get("/api/log?limit=1").headers["x-total-count"] == "4"
    assert head.client.get("/api/cases?limit=0").status_code == 422
    spec = head.client.get("/api/openapi.json").json()
    names = {p["name"] for p in spec["paths"]["/api/cases"]["get"]["parameters"]}
    assert {"offset", "limit", "status"} <= names


def test_everyone_in_the_school_can_read_their_dashboard(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    school.build(app)
    for _, email, _ in SCHOOL:
        assert browser(email).get("/").status_code == 200
    assert "Case" in browser(COORDINATOR).get("/log").text


def test_starting_the_web_app_parses_every_workflow_version_before_any_request(app: Redress) -> None:
    from web import create_app

    fresh = Redress(app.settings, app.db, app.clock)
    assert not fresh._compiled
    create_app(fresh, secret=SECRET)
    with app.db.reading() as session:
        assert set(fresh._compiled) == set(session.scalars(select(WorkflowVersion.id)))


def test_a_case_page_shows_its_tracks_and_what_stands_paused_in_one_read_transaction(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    threat = school.open_case(app, HEAD, "threat_of_violence")  # starts the police track, which pauses the school's clock
    head = browser(HEAD)
    head.get(f"/cases/{threat}")  # sessions, caches: warm
    with counted(app) as counts:
        page = head.get(f"/cases/{threat}")
    writes = [s for s in counts.statements if s.lstrip().upper().startswith("INSERT")]
    assert page.status_code == 200 and counts.transactions == 2 and len(counts.statements) <= 24
    assert len(writes) == 1 and "access_log" in writes[0]  # the one read, then the record that it was viewed
    assert "paused: waiting for the police since" in page.text and "Alongside" in page.text
    shown = head.client.get(f"/api/cases/{threat}").json()
    assert [(t["name"], t["running"]) for t in shown["tracks"]] == [("police", True)]
    assert [p["procedure"] for p in shown["paused"]] == ["main"]
    assert {(d["track"], d["paused"]) for d in shown["deadlines"]} >= {(None, True), ("police", False)}
    assert {(a["name"], a["procedure"]) for a in shown["actions"]} >= {("record_police_outcome", "police")}


def _concern(app: Redress, email: str) -> None:
    """Make `email` the member of staff concerned in every case that does not name them yet."""
    with app.db.unit_of_work() as session:
        person = session.scalars(select(Person.id).where(Person.email == email)).one()
        named = set(session.scalars(select(Party.case_id).where(Party.person_id == person, Party.kind == "staff")))
        for case_id in session.scalars(select(Case.id)):
            if case_id not in named:
                session.add(Party(case_id=case_id, kind="staff", name="Sam Staff", person_id=person))


def _dashboard_statements(app: Redress, browsers: dict[str, Any]) -> dict[str, int]:
    sizes = {}
    for email, reader in browsers.items():
        with counted(app) as counts:
            assert reader.get("/").status_code == 200
        sizes[email] = len(counts.statements)
    return sizes


def test_the_dashboard_runs_as_many_statements_at_50_cases_as_at_10(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    school.open_case(app, HEAD, "staff_offensive")  # one open case at least, whatever the history left open
    generate_history(app, 9, seed=3)
    _concern(app, SAM)  # Sam has matters: every case names him
    browsers = {email: browser(email) for email in (HEAD, CHAIR, EQUALITIES, SAM)}
    _dashboard_statements(app, browsers)  # sessions, caches: warm
    at_10 = _dashboard_statements(app, browsers)
    generate_history(app, 40, seed=4)
    _concern(app, SAM)
    at_50 = _dashboard_statements(app, browsers)
    assert at_50 == at_10
    with app.db.reading() as session:
        sam = _viewer(app, session, SAM)
        head = _viewer(app, session, HEAD)
    assert sam is not None and head is not None
    board = dashboard(app, sam)
    assert board.matters_total == 50 and len(board.matters) == 50  # every case is a matter about Sam, all shown
    first, past = dashboard(app, head, limit=1), dashboard(app, head, offset=1_000)
    assert first.open_total >= 1 and len(first.cases) == 1  # the counts come with the page...
    assert past.cases == () and (past.open_total, past.overdue_total) == (first.open_total, first.overdue_total)  # ...or alone


def test_the_dashboard_lists_the_newest_matters_and_says_how_many_there_are(
    app: Redress, browser, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    generate_history(app, 8, seed=5)
    _concern(app, SAM)
    monkeypatch.setattr(overview, "MATTERS_SHOWN", 3)
    with app.db.reading() as session:
        sam = _viewer(app, session, SAM)
        newest = sorted(session.scalars(select(Case.id)))[-3:]
    assert sam is not None
    board = dashboard(app, sam)
    assert [m.id for m in board.matters] == newest and board.matters_total == 8
    assert "The newest 3 of 8 matters about you." in browser(SAM).get("/").text
