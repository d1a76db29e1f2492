"""Joiners, movers and leavers: deactivation, roles, the last person who manages people, the CSV import,
and the school's hash-chained trail of every change."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from engine.commands import cases
from engine.commands.people import add_person, deactivate, reactivate, set_roles
from engine.commands.people_import import import_people
from engine.context import Redress
from engine.errors import BadInput, Refused
from engine.queries.people import open_work, people_changes, verify_people_changes
from store import Person, SchoolEvent
from tests.conftest import CHAIR, COORDINATOR, HEAD, SAM


def _person(app: Redress, email: str) -> Person:
    with app.db.reading() as session:
        return session.scalars(select(Person).where(Person.email == email)).one()


def test_the_only_headteacher_can_neither_drop_their_role_nor_be_deactivated(app: Redress) -> None:
    with pytest.raises(Refused, match="last active person who may manage people"):
        set_roles(app, HEAD, ["staff"], actor=HEAD)
    with pytest.raises(Refused, match="last active person who may manage people"):
        deactivate(app, HEAD, actor=HEAD)
    assert _person(app, HEAD).roles == ["headteacher"] and _person(app, HEAD).active


def test_with_a_second_headteacher_the_first_may_step_down(app: Redress) -> None:
    set_roles(app, CHAIR, ["chair", "headteacher"], actor=HEAD)
    set_roles(app, HEAD, ["staff"], actor=HEAD)
    with pytest.raises(Refused):
        deactivate(app, CHAIR)  # now the last one


def test_a_leaver_is_deactivated_with_their_open_work_listed_and_can_come_back(app: Redress) -> None:
    case_id = cases.open_case(app, COORDINATOR, cases.OpenCase(categories=("staff_offensive",), summary="Posts", staff=(SAM,)))
    work = open_work(app, _person(app, COORDINATOR).id)
    assert [(w.case_id, w.what) for w in work][:1] == [(case_id, "opened by them")]
    deactivate(app, COORDINATOR, actor=HEAD)
    assert not _person(app, COORDINATOR).active
    with pytest.raises(Refused, match="no longer active"):
        set_roles(app, COORDINATOR, ["staff"])
    reactivate(app, COORDINATOR, actor=HEAD)
    assert _person(app, COORDINATOR).active and _person(app, COORDINATOR).roles == ["coordinator"]


def test_every_people_change_is_on_the_trail_in_order(app: Redress) -> None:
    set_roles(app, SAM, ["staff", "coordinator"], actor=HEAD)
    deactivate(app, SAM, actor=HEAD)
    reactivate(app, SAM, actor=HEAD)
    kinds = [(c.kind, c.actor, c.subject) for c in reversed(people_changes(app))]
    assert kinds[-3:] == [("roles_changed", HEAD, SAM), ("person_deactivated", HEAD, SAM), ("person_reactivated", HEAD, SAM)]
    assert kinds[0][0] == "person_added"  # the school's people, added by the fixture
    assert people_changes(app)[2].details == {"before": ["staff"], "after": ["staff", "coordinator"], "sessions_ended": 0}
    assert verify_people_changes(app).ok


def test_an_edited_trail_row_is_detected(app: Redress) -> None:
    set_roles(app, SAM, ["staff", "coordinator"], actor=HEAD)
    with app.db.unit_of_work() as session:
        session.execute(update(SchoolEvent).where(SchoolEvent.kind == "roles_changed").values(actor=CHAIR))
    result = verify_people_changes(app)
    assert not result.ok and "was changed after it was recorded" in result.reason


CSV = """name,email,roles
Nina New,nina@school.example,staff
Sam Staff,sam@school.example,staff;coordinator
Tess Teacher,tess@school.example,staff
"""


def test_a_dry_run_says_what_would_change_and_changes_nothing(app: Redress) -> None:
    plan = import_people(app, CSV, dry_run=True, actor=HEAD)
    assert [r.email for r in plan.added] == ["nina@school.example"]
    assert [(r.email, before) for r, before in plan.changed] == [(SAM, ("staff",))]
    assert [r.email for r in plan.unchanged] == ["tess@school.example"] and not plan.errors
    with app.db.reading() as session:
        assert session.scalars(select(Person).where(Person.email == "nina@school.example")).first() is None


def test_an_import_adds_and_changes_roles_on_the_trail(app: Redress) -> None:
    import_people(app, CSV, actor=HEAD)
    assert _person(app, "nina@school.example").roles == ["staff"]
    assert _person(app, SAM).roles == ["staff", "coordinator"]
    assert [c.kind for c in people_changes(app)[:3]] == ["people_imported", "roles_changed", "person_added"]


def test_a_bad_row_imports_nothing_and_names_its_line(app: Redress) -> None:
    bad = CSV + "No Email,not-an-email,staff\nWrong Role,wrong@school.example,janitor\n"
    plan = import_people(app, bad, dry_run=True)
    assert [line for line, _ in plan.errors] == [5, 6]
    with pytest.raises(BadInput, match=r"line 5: .*line 6: unknown role 'janitor'"):
        import_people(app, bad)
    with app.db.reading() as session:
        assert session.scalars(select(Person).where(Person.email == "nina@school.example")).first() is None
    assert _person(app, SAM).roles == ["staff"]


def test_an_import_cannot_take_away_the_last_headteacher(app: Redress) -> None:
    with pytest.raises(Refused):
        import_people(app, "name,email,roles\nHelen Head,head@school.example,staff\nNina New,nina@school.example,staff\n")
    with app.db.reading() as session:
        assert session.scalars(select(Person).where(Person.email == "nina@school.example")).first() is None


def test_adding_someone_already_here_says_how_to_change_their_roles(app: Redress) -> None:
    with pytest.raises(Refused, match="set-roles"):
        add_person(app, "Sam Again", SAM, ["staff"])
