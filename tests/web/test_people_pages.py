"""The People page asks before it takes something away, refuses to lose the last headteacher, and the
People changes page shows the trail to the headteacher and the chair."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from engine.context import Redress
from store import Person, SchoolEvent
from tests.conftest import CHAIR, HEAD, TESS


def _person(app: Redress, email: str) -> Person:
    with app.db.reading() as session:
        return session.scalars(select(Person).where(Person.email == email)).one()


def test_a_change_of_roles_is_asked_first_and_done_only_when_confirmed(app: Redress, browser: Any) -> None:
    head, tess = browser(HEAD), _person(app, TESS)
    head.get("/people")
    asked = head.post(f"/people/{tess.id}/roles", {"roles": ["staff", "coordinator"]})
    assert (
        asked.status_code == 200
        and f"Change the roles of {tess.name}?" in asked.text
        and 'name="confirm" value="yes"' in asked.text
    )
    assert _person(app, TESS).roles == ["staff"]
    done = head.post(f"/people/{tess.id}/roles", {"roles": ["staff", "coordinator"], "confirm": "yes"})
    assert done.status_code == 303 and _person(app, TESS).roles == ["staff", "coordinator"]


def test_the_only_headteacher_is_warned_and_then_refused_when_unticking_their_own_role(app: Redress, browser: Any) -> None:
    head, me = browser(HEAD), _person(app, HEAD)
    head.get("/people")
    asked = head.post(f"/people/{me.id}/roles", {"roles": ["staff"]})
    assert "These are your own roles" in asked.text
    refused = head.post(f"/people/{me.id}/roles", {"roles": ["staff"], "confirm": "yes"})
    assert refused.status_code == 303 and "last active person who may manage people" in head.get("/people").text
    refused = head.post(f"/people/{me.id}/deactivate", {"confirm": "yes"})
    assert refused.status_code == 303 and _person(app, HEAD).active


def test_deactivating_lists_open_work_then_shuts_the_person_out(app: Redress, browser: Any) -> None:
    head, tess = browser(HEAD), _person(app, TESS)
    head.get("/people")
    asked = head.post(f"/people/{tess.id}/deactivate")
    assert asked.status_code == 200 and "Open work to hand on" in asked.text
    assert head.post(f"/people/{tess.id}/deactivate", {"confirm": "yes"}).status_code == 303
    assert browser().sign_in(TESS).status_code == 401
    assert head.post(f"/people/{tess.id}/reactivate", {"confirm": "yes"}).status_code == 303
    assert browser().sign_in(TESS).status_code == 303


def test_the_people_changes_page_shows_the_trail_and_says_when_it_was_altered(app: Redress, browser: Any) -> None:
    head, tess = browser(HEAD), _person(app, TESS)
    head.get("/people")
    head.post(f"/people/{tess.id}/deactivate", {"confirm": "yes"})
    chair = browser(CHAIR)
    page = chair.get("/people/changes")
    assert page.status_code == 200 and "person deactivated" in page.text and "the chain is intact" in page.text
    with app.db.unit_of_work() as session:
        session.execute(update(SchoolEvent).where(SchoolEvent.kind == "person_deactivated").values(subject=CHAIR))
    assert "The record was altered" in chair.get("/people/changes").text
