"""`case show` reads a case through SQLAlchemy Core (engine.queries.cases.case_record): no ORM mapper is set up
for it. What it shows must be what the case page shows from the ORM's Case, field for field, for a case with
everything on it: parties of every kind, evidence kept, withdrawn and erased, notes, a meeting, a running track
and what it pauses, a correction, an owner; and for every reader the same refusals as before."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy.orm import joinedload

from engine.commands import corrections, erasure, owners, records
from engine.errors import NotFound, Refused
from engine.queries import reading
from engine.queries.access import access_of, viewer_by_email
from engine.queries.cases import case_view, show_case
from engine.queries.present import as_json
from store import Case
from tests.conftest import CHAIR, HEAD, SAM, TESS
from tests.integration.helpers import act, open_case


def rich_case(app) -> int:  # type: ignore[no-untyped-def]
    """A case with something in every part of its view."""
    case_id = open_case(app, "staff_offensive", "threat_of_violence", staff=(SAM,), summary="A threat posted on Facebook")
    owners.assign_owner(app, case_id, HEAD, HEAD)
    corrections.add_party(app, case_id, HEAD, "pupil", "named in a reply", reference="AB")
    corrections.add_party(app, case_id, HEAD, "poster", "the parent who posted", name="Pat Poster", contact="pat@home.example")
    corrections.add_party(app, case_id, HEAD, "staff", "also named", email=TESS)
    act(app, case_id, "acknowledge", staff_reassured="yes")
    records.add_evidence_file(app, case_id, HEAD, b"the post, saved", "post.png", "the post as first seen")
    records.add_evidence_link(app, case_id, HEAD, "https://facebook.example/post/1", "the post")
    wrong = records.add_evidence_file(app, case_id, HEAD, b"another family's post", "wrong.png")
    corrections.withdraw_evidence(app, case_id, HEAD, wrong.id, "another family's post")
    mistake = records.add_evidence_file(app, case_id, HEAD, b"a pupil's photo", "photo.png")
    erasure.erase_evidence(app, case_id, HEAD, mistake.id, "uploaded by mistake")
    records.add_note(app, case_id, HEAD, "Spoke to Sam: reassured")
    records.record_meeting(app, case_id, HEAD, date(2026, 11, 20), "Helen Head, the parent", "calm")
    corrections.correct_case(app, case_id, HEAD, "the words were a threat", summary="A threat posted on Facebook, corrected")
    return case_id


def _orm_view(app, case_id: int, email: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """The view as the case page builds it: from the ORM's Case, loaded with its parties."""
    with app.db.reading() as session:
        viewer = viewer_by_email(session, email)
        case = session.get(Case, case_id, options=[joinedload(Case.parties)])
        assert case is not None
        view, _ = case_view(app, session, case, viewer, access_of(session, case))
        return as_json(view)  # type: ignore[no-any-return]


def test_case_show_shows_what_the_case_page_shows_for_a_case_with_everything(app) -> None:  # type: ignore[no-untyped-def]
    case_id = rich_case(app)
    shown = as_json(show_case(app, case_id, HEAD))
    assert shown == _orm_view(app, case_id, HEAD)
    assert json.dumps(shown) == json.dumps(_orm_view(app, case_id, HEAD))  # the same keys in the same order
    # every part is there, so the comparison compares something
    assert {p["kind"] for p in shown["parties"]} == {"staff", "pupil", "poster"} and shown["owner"] == HEAD
    assert shown["staff_concerned"] == [SAM, TESS] and shown["pupils"] == ["AB"] and shown["posters"][0]["name"] == "Pat Poster"
    assert len(shown["evidence"]) == 2 and len(shown["withdrawn"]) == 1 and len(shown["erased_evidence"]) == 1
    assert shown["notes"][0]["author"] == HEAD and shown["meetings"][0]["recorded_by"] == HEAD
    assert [t["name"] for t in shown["tracks"]] == ["police"] and shown["paused"] and shown["actions"]
    assert shown["summary"] == "A threat posted on Facebook, corrected" and shown["deadlines"]


def test_case_show_gives_each_reader_the_sight_the_web_gives_and_refuses_as_before(app) -> None:  # type: ignore[no-untyped-def]
    case_id = rich_case(app)
    sight, view = reading.case_for(app, reading.reader(app, HEAD), case_id)
    assert (sight.name, type(view).__name__) == ("FULL", "CaseView")
    sight, view = reading.case_for(app, reading.reader(app, SAM), case_id)  # the member of staff concerned
    assert (sight.name, type(view).__name__) == ("MATTER", "MatterView")
    with pytest.raises(NotFound):  # the chair, before any escalation: not even that it exists
        reading.case_for(app, reading.reader(app, CHAIR), case_id)
    with pytest.raises(NotFound):
        reading.case_for(app, reading.reader(app, HEAD), case_id + 100)
    with pytest.raises(Refused):
        reading.reader(app, "nobody@school.example")
