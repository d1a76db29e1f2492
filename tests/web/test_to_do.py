"""The dashboard's "What you can do now": the open cases whose next step (the workflow's primary action)
this person may take, by the case page's own rule, oldest deadline first, in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import dashboard
from engine.commands import cases, records
from engine.context import Redress
from engine.queries.access import load_viewer
from engine.rules.access import Viewer
from store import Person
from tests.conftest import CHAIR, HEAD, SAM
from tests.web import school
from tests.web.test_read_side import counted


def _viewer(app: Redress, email: str) -> Viewer:
    with app.db.reading() as session:
        person_id = session.scalars(select(Person.id).where(Person.email == email)).one()
        viewer = load_viewer(session, person_id, app.current_workflow(session).spec)
    assert viewer is not None
    return viewer


def test_the_head_sees_each_case_awaiting_their_step_the_chair_only_the_escalated_and_staff_none(app: Redress) -> None:
    made = school.build(app)
    head = dashboard(app, _viewer(app, HEAD)).to_do
    assert {t.case_id for t in head} == {made.logged, made.escalated, made.prejudice, made.other}
    titles = {t.case_id: t.title for t in head}
    assert titles[made.other] == "Acknowledge and start the investigation"
    assert titles[made.escalated] == "Record the meeting with the chair"
    due = [t.due for t in head if t.due is not None]
    assert due and [t.due for t in head][: len(due)] == sorted(due)  # oldest deadline first, none last
    chair = dashboard(app, _viewer(app, CHAIR)).to_do
    assert [(t.case_id, t.title) for t in chair] == [(made.escalated, "Record the meeting with the chair")]
    assert dashboard(app, _viewer(app, SAM)).to_do == ()


def test_a_closed_case_never_appears_and_a_guarded_step_says_what_comes_first(app: Redress) -> None:
    made = school.build(app)
    cases.take_action(app, made.other, "redirect_to_complaints", HEAD, {"reason": "a complaint about teaching"})
    bare = school.open_case(app, HEAD, "school_complaint")
    cases.take_action(app, bare, "acknowledge", HEAD, {"staff_reassured": "yes"})
    to_do = {t.case_id: t for t in dashboard(app, _viewer(app, HEAD)).to_do}
    assert made.other not in to_do
    assert to_do[bare].title == "Arrange a meeting with the poster" and to_do[bare].waiting_for  # no evidence yet
    records.add_evidence_link(app, bare, HEAD, "https://example.org/post", "the post")
    again = {t.case_id: t for t in dashboard(app, _viewer(app, HEAD)).to_do}
    assert again[bare].waiting_for == ()


def test_what_you_can_do_now_does_not_grow_with_history(app: Redress) -> None:
    made = school.build(app)
    head = _viewer(app, HEAD)
    dashboard(app, head)  # caches: warm
    with counted(app) as before:
        dashboard(app, head)
    for n in range(10):
        records.add_note(app, made.escalated, HEAD, f"note {n}")
        records.add_evidence_link(app, made.escalated, HEAD, f"https://example.org/{n}", "")
    with counted(app) as after:
        assert dashboard(app, head).to_do
    assert len(after.statements) == len(before.statements)


def test_the_dashboard_page_leads_with_what_you_can_do_now_in_words(app: Redress, browser: Any) -> None:
    made = school.build(app)
    page = browser(HEAD).get("/").text
    assert page.index("What you can do now") < page.index("Matters about you")
    assert f'href="/cases/{made.other}#next-step">Acknowledge and start the investigation</a>' in page
    assert "acknowledge</a>" not in page  # the action's title, never its key
    staff = browser(SAM).get("/").text
    assert "Nothing is waiting for you" in staff
