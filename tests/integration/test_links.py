"""Memory across cases: linked cases, the suggestions made at opening, the course of conduct, and the
defamation limitation date with its reminder, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from engine.commands import cases
from engine.commands.integrity import verify
from engine.commands.links import link_cases, set_first_published
from engine.errors import NotAllowed, Refused
from engine.queries.access import viewer_by_email
from engine.queries.links import case_links
from engine.worker.firing import fire_due
from store import AuditEvent, Case, CaseLink, OutboxMessage, Timer
from tests.conftest import COORDINATOR, HEAD, SAM, TESS
from tests.integration.helpers import act, count


def _open(
    app,
    poster: tuple[str, str] | None = ("Mrs Jones", "jones@example.com"),
    *,
    by: str = HEAD,
    link: str = "https://facebook.example/groups/parents/1",
    published: date | None = None,
) -> int:
    details = cases.OpenCase(
        categories=("staff_offensive",),
        summary="A parent called Mr Smith useless in the school's Facebook group",
        staff=(SAM,),
        posters=[poster] if poster else [],
        platform="Facebook",
        link=link,
        first_published_on=published,
    )
    return cases.open_case(app, by, details)


def _links(app, case_id: int, reader: str = HEAD):
    with app.db.reading() as session:
        viewer = viewer_by_email(session, reader)
        from engine.commands.cases import load_case

        return case_links(app, session, load_case(session, case_id), viewer)


def _kinds(app, case_id: int) -> list[str]:
    with app.db.reading() as session:
        return list(session.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)))


def test_the_same_poster_posting_again_is_suggested_at_opening(app):
    first = _open(app, ("Mrs Jones", "jones@example.com"), link="https://facebook.example/a")
    second = _open(app, ("  mrs  JONES ", ""), link="https://facebook.example/b")  # same name, case and spacing aside
    by_contact = _open(app, ("J.", "jones@example.com"), link="https://facebook.example/c")
    same_thread = _open(app, ("Someone else", ""), link="https://www.facebook.example/a/")
    unrelated = _open(app, ("Mr Brown", "brown@example.com"), link="https://facebook.example/z")

    assert [s.text for s in _links(app, second).suggestions] == [f"Possibly the same poster as case #{first}"]
    assert {s.id: s.basis for s in _links(app, first).suggestions} == {
        second: "poster",
        by_contact: "poster",
        same_thread: "thread",
    }
    assert {s.id: s.basis for s in _links(app, same_thread).suggestions} == {first: "thread"}
    assert _links(app, unrelated).suggestions == ()


def test_two_cases_linked_by_poster_raise_the_course_of_conduct_flag_on_each(app):
    first, second = _open(app), _open(app)
    assert _links(app, first).course_of_conduct is None

    link_cases(app, second, first, HEAD, "Mrs Jones again, in the same group", "poster")

    for case_id, other in ((first, second), (second, first)):
        links = _links(app, case_id)
        assert [c.id for c in links.linked] == [other]
        assert links.occasions == 2
        assert (
            links.course_of_conduct == "Course of conduct: 2 occasions — the Protection from Harassment Act 1997 threshold is two"
        )
        assert links.suggestions == ()  # linked already
        assert _kinds(app, case_id)[-1] == "linked"
    third = _open(app)
    link_cases(app, third, second, HEAD, "and a third time", "poster")
    assert _links(app, first).occasions == 3  # joined through the second case


def test_a_manual_link_is_listed_but_is_no_course_of_conduct(app):
    first, second = _open(app), _open(app, ("Mr Brown", ""))
    link_cases(app, first, second, HEAD, "the same complaint, from a friend of the family")
    assert _links(app, first).course_of_conduct is None
    assert [c.basis for c in _links(app, first).linked] == ["manual"]


def test_linking_is_refused_twice_to_itself_and_to_someone_who_may_not(app):
    first, second = _open(app), _open(app)
    link_cases(app, first, second, HEAD, "same poster", "poster")
    with pytest.raises(Refused, match="already linked"):
        link_cases(app, second, first, HEAD, "again", "poster")
    with pytest.raises(Refused, match="itself"):
        link_cases(app, first, first, HEAD, "itself")
    with pytest.raises(Refused):
        link_cases(app, first, second, SAM, "a member of staff may not")
    with pytest.raises(NotAllowed, match="no case 999"):
        link_cases(app, first, 999, HEAD, "no such case")
    assert count(app, CaseLink) == 2


def test_linked_cases_are_listed_only_when_the_viewer_sees_them_in_full(app):
    mine = _open(app, by=COORDINATOR)
    not_mine = _open(app, by=HEAD)
    link_cases(app, mine, not_mine, HEAD, "same poster", "poster")
    assert [c.id for c in _links(app, mine, HEAD).linked] == [not_mine]
    assert _links(app, mine, COORDINATOR).linked == ()  # the coordinator sees only the case they logged
    assert _links(app, mine, COORDINATOR).course_of_conduct is not None  # the count, not the case


def test_the_limitation_date_and_its_reminder_fire_to_the_headteacher(app):
    case_id = _open(app, published=date(2026, 1, 10))
    links = _links(app, case_id)
    assert links.limitation_date == date(2027, 1, 10)
    assert links.reminder_due == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)  # one month before, a school morning (GMT)
    act(app, case_id, "acknowledge", staff_reassured="yes")  # a move of the case leaves the reminder alone
    assert count(app, Timer, case_id=case_id, deadline="defamation_limitation", status="pending") == 1

    app.clock.set(datetime(2026, 12, 10, 10, 0, tzinfo=UTC))
    fire_due(app)

    with app.db.reading() as session:
        mail = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "defamation_limitation")).all()
        event = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq.desc())).first()
    assert [m.recipient_email for m in mail] == [HEAD]
    assert "Sunday 10 January 2027" in mail[0].subject
    assert event is not None and (event.kind, event.actor, event.data["deadline"]) == (
        "reminder",
        "system",
        "defamation_limitation",
    )
    assert count(app, Timer, case_id=case_id, deadline="defamation_limitation", status="fired") == 1
    assert verify(app).ok, verify(app).problems


def test_correcting_the_first_publication_moves_the_reminder(app):
    case_id = _open(app)
    assert _links(app, case_id).first_published_on is None
    set_first_published(app, case_id, HEAD, date(2026, 3, 1), "the screenshot shows the post's date")
    assert _links(app, case_id).reminder_due == datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    set_first_published(app, case_id, HEAD, date(2025, 11, 1), "an older post, found later")  # limitation run out
    assert _links(app, case_id).reminder_due is None
    assert _links(app, case_id).limitation_date == date(2026, 11, 1)
    assert _kinds(app, case_id)[-2:] == ["first_published_corrected", "first_published_corrected"]
    with pytest.raises(Refused):
        set_first_published(app, case_id, TESS, None, "staff may not")
    assert verify(app).ok, verify(app).problems


def test_verify_passes_on_linked_cases_and_names_a_link_or_date_changed_behind_the_trail(app):
    first, second = _open(app, published=date(2026, 2, 1)), _open(app)
    link_cases(app, first, second, HEAD, "same poster", "poster")
    assert verify(app).ok, verify(app).problems

    with app.db.unit_of_work() as session:
        session.execute(update(CaseLink).where(CaseLink.case_id == first).values(reason="rewritten"))
        session.execute(update(Case).where(Case.id == first).values(first_published_on=date(2026, 6, 1)))
    problems = verify(app).problems
    assert any(f"case {first}: its link to case {second} was edited" in p for p in problems), problems
    assert any(f"case {first}: its first-publication date is 2026-06-01" in p for p in problems), problems


def test_the_monitoring_report_counts_repeat_posters_as_an_independent_count_does(app):
    from engine.report.formats import render
    from engine.report.monitoring import build_report

    a, b, c, d, e, f = (_open(app) for _ in range(6))
    link_cases(app, a, b, HEAD, "same poster", "poster")
    link_cases(app, c, b, HEAD, "same poster", "poster")  # a, b, c: one poster, three occasions
    link_cases(app, d, e, HEAD, "same poster", "poster")  # d, e: another
    link_cases(app, e, f, HEAD, "the same thread", "thread")  # not a poster link: f is not counted

    # Independently: walk the poster links case by case.
    with app.db.reading() as session:
        edges = {
            (x, y) for x, y in session.execute(select(CaseLink.case_id, CaseLink.other_id).where(CaseLink.basis == "poster"))
        }
    unseen, groups = {x for pair in edges for x in pair}, []
    while unseen:
        group, todo = set(), [unseen.pop()]
        while todo:
            n = todo.pop()
            group.add(n)
            todo += [y for x, y in edges if x == n and y not in group]
        unseen -= group
        groups.append(group)

    report = build_report(app)
    assert report.count("repeat_posters", "posters") == len(groups) == 2
    assert report.count("repeat_posters", "cases") == sum(map(len, groups)) == 5
    assert "Repeat posters" in render(report, "table") and "Mrs Jones" not in render(report, "json")
