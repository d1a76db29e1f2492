"""Corrections, withdrawals, reopening and the chair's part, on a real SQLite file and a real PostgreSQL server:
each kept as a new audit event with old and new values, who and why, and the chain still verifies."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from engine.commands import corrections, integrity, links, owners, records
from engine.errors import BadInput, Refused
from engine.queries import cases as queries
from engine.queries.access import case_access, viewer_by_email
from engine.rules.access import Sight
from store import Case, Evidence, Meeting, OutboxMessage, Party
from tests.conftest import CHAIR, HEAD, TESS
from tests.integration.helpers import act, count, open_case, to_meeting_stage


def _sight(app, email: str, case_id: int) -> Sight:
    with app.db.reading() as session:
        viewer = viewer_by_email(session, email)
    assert viewer is not None
    return case_access(app, viewer, case_id)[1]


def test_a_correction_keeps_old_and_new_values_and_the_chain_still_verifies(app):
    case_id = open_case(app, "staff_offensive", summary="A rude post on Facebook")
    changes = corrections.correct_case(
        app,
        case_id,
        HEAD,
        "the post named the school, not a teacher",
        summary="A rude post about the school",
        categories=["school_complaint"],
    )
    assert [c["field"] for c in changes] == ["summary", "categories"]
    event = queries.audit_trail(app, case_id).events[-1]
    assert event.kind == "corrected" and event.actor == HEAD
    assert event.data["reason"] == "the post named the school, not a teacher"
    assert event.data["changes"][0]["old"] == "A rude post on Facebook"
    assert event.data["changes"][0]["new"] == "A rude post about the school"
    assert event.data["changes"][1]["old_names"] == ["staff_offensive"]
    assert event.data["changes"][1]["new_names"] == ["school_complaint"]
    view = queries.show_case(app, case_id)
    assert (view.summary, view.categories, view.version) == ("A rude post about the school", ("school_complaint",), 2)
    assert queries.verify_trail(app, case_id).ok
    chronology = queries.audit_trail(app, case_id).chronology
    assert chronology[-1].headline == "Case details corrected"
    assert ("What was posted", "A rude post on Facebook → A rude post about the school") in chronology[-1].details


def test_a_correction_needs_a_reason_and_changes_nothing_without_one(app):
    case_id = open_case(app)
    with pytest.raises(BadInput, match="needs a reason"):
        corrections.correct_case(app, case_id, HEAD, "  ", summary="Something else")
    assert len(queries.audit_trail(app, case_id).events) == 1


def test_staff_added_are_reassured_at_once_and_removed_staff_lose_the_matter(app):
    case_id = open_case(app)
    corrections.add_party(app, case_id, HEAD, "staff", "named in a reply", email=TESS)
    assert count(app, OutboxMessage, case_id=case_id, recipient_email=TESS, template="staff_reassurance") == 1
    assert _sight(app, TESS, case_id) is Sight.MATTER
    party = next(p for p in queries.show_case(app, case_id).parties if p.email == TESS)
    corrections.remove_party(app, case_id, HEAD, party.id, "added to the wrong case")
    assert TESS not in queries.show_case(app, case_id).staff_concerned
    assert _sight(app, TESS, case_id) < Sight.MATTER
    kinds = [e.kind for e in queries.audit_trail(app, case_id).events]
    assert kinds[-2:] == ["party_added", "party_removed"]
    assert queries.verify_trail(app, case_id).ok


def test_withdrawn_evidence_leaves_the_list_but_stays_stored_and_no_longer_satisfies_a_guard(app):
    case_id = open_case(app)
    act(app, case_id, "acknowledge", staff_reassured="yes")
    item = records.add_evidence_file(app, case_id, HEAD, b"not this family's post", "wrong.png")
    corrections.withdraw_evidence(app, case_id, HEAD, item.id, "another family's post")
    view = queries.show_case(app, case_id)
    assert view.evidence == () and [w.id for w in view.withdrawn] == [item.id]
    with app.db.reading() as session:
        assert session.scalar(select(Evidence.sha256).where(Evidence.id == item.id)) == item.sha256
    with pytest.raises(Refused, match="no evidence yet"):
        act(app, case_id, "arrange_meeting", meeting_date="2026-12-01", invited_by="letter")
    assert queries.verify_trail(app, case_id).ok


def test_a_closed_case_is_reopened_into_the_declared_stage_with_its_deadlines(app):
    case_id = open_case(app)
    act(app, case_id, "close_no_action", reason="A misunderstanding")
    with pytest.raises(Refused, match="may be reopened only by"):
        corrections.reopen_case(app, case_id, TESS, "I disagree")
    assert corrections.reopen_case(app, case_id, HEAD, "the posts are back") == "outcome_review"
    view = queries.show_case(app, case_id, HEAD)
    assert (view.stage, view.closed_at, view.outcome) == ("outcome_review", None, None)
    assert [d.name for d in view.deadlines] == ["outcome_reminder", "outcome_escalation"]
    assert queries.audit_trail(app, case_id).events[-1].data == {"reason": "the posts are back", "outcome": "no further action"}
    assert queries.verify_trail(app, case_id).ok


def test_the_chair_records_the_way_forward_and_closes_and_the_chair_meeting_is_a_meeting(app):
    case_id = open_case(app, "staff_defamation")
    to_meeting_stage(app, case_id)
    records.record_meeting(app, case_id, HEAD, date(2026, 11, 19), "Headteacher, the parent")
    act(app, case_id, "record_meeting_outcome", reason="Upset about a detention", outcome="refused to remove the posts")
    act(app, case_id, "confirm_removal", removal_confirmed="no", checked_on="2026-11-20")
    act(app, case_id, "give_warning", warned_on="2026-11-20", method="letter")
    act(app, case_id, "escalate_to_chair", reason="The parent has posted again")
    act(app, case_id, "record_chair_meeting", by=CHAIR, held_on="2026-11-21", summary="The parent agreed to talk")
    act(app, case_id, "agree_way_forward", by=CHAIR, way_forward="Meet each half term; the posts come down")
    result = act(app, case_id, "close_by_chair", by=CHAIR, closing_summary="The posts are down and meetings are held")
    assert result.closed
    with app.db.reading() as session:
        held = session.scalars(select(Meeting.held_on).where(Meeting.case_id == case_id).order_by(Meeting.id)).all()
    assert held == [date(2026, 11, 19), date(2026, 11, 21)]
    facts = queries.show_case(app, case_id).facts
    assert facts["record_meeting_outcome"]["reason"] == "Upset about a detention"
    assert facts["escalate_to_chair"]["reason"] == "The parent has posted again"
    assert integrity.verify(app, case_id=case_id).ok  # the chair's meeting is replayed from its action
    headlines = [e.headline for e in queries.audit_trail(app, case_id).chronology]
    assert "Escalated to the chair: The parent has posted again" in headlines
    assert "Way forward agreed: Meet each half term; the posts come down" in headlines


def test_verify_replays_corrections_track_actions_and_a_reopening_to_the_rows(app):
    case_id = open_case(app, "staff_offensive", summary="A rude post on Facebook")
    act(app, case_id, "acknowledge", staff_reassured="yes")
    act(app, case_id, "start_police")
    act(app, case_id, "record_police_outcome", police_outcome="Words of advice")
    item = records.add_evidence_file(app, case_id, HEAD, b"not this family's post", "wrong.png")
    corrections.withdraw_evidence(app, case_id, HEAD, item.id, "another family's post")
    corrections.correct_case(app, case_id, HEAD, "it was about the school", summary="A rude post about the school")
    party = corrections.add_party(app, case_id, HEAD, "pupil", "named in a reply", reference="AB")
    corrections.remove_party(app, case_id, HEAD, party, "the wrong pupil")
    act(app, case_id, "close_no_action", reason="A misunderstanding")
    corrections.reopen_case(app, case_id, HEAD, "the posts are back")
    facts = queries.show_case(app, case_id).facts
    assert facts["record_police_outcome"] == {"police_outcome": "Words of advice"}  # a track action's answers too
    result = integrity.verify(app, case_id=case_id)
    assert result.ok, result.problems


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (lambda cid: update(Case).where(Case.id == cid).values(summary="Nothing happened"), "its summary is not"),
        (lambda cid: update(Evidence).where(Evidence.case_id == cid).values(withdrawn_at=None), "is back on the list"),
        (lambda cid: update(Evidence).where(Evidence.case_id == cid).values(withdrawn_reason="x"), "reason for withdrawal"),
        (lambda cid: update(Party).where(Party.case_id == cid, Party.kind == "pupil").values(reference="ZZ"), "its parties"),
        (lambda cid: update(Case).where(Case.id == cid).values(facts={"acknowledge": {"staff_reassured": False}}), "its facts"),
    ],
)
def test_a_row_changed_behind_a_correction_is_still_named(app, tamper, named):
    case_id = open_case(app)
    act(app, case_id, "acknowledge", staff_reassured="yes")
    item = records.add_evidence_file(app, case_id, HEAD, b"not this family's post", "wrong.png")
    corrections.withdraw_evidence(app, case_id, HEAD, item.id, "another family's post")
    corrections.correct_case(app, case_id, HEAD, "it was about the school", summary="A rude post about the school")
    corrections.add_party(app, case_id, HEAD, "pupil", "named in a reply", reference="AB")
    assert integrity.verify(app, case_id=case_id).ok
    with app.db.engine.begin() as connection:
        connection.execute(tamper(case_id))
    result = integrity.verify(app, case_id=case_id)
    assert not result.ok and named in "\n".join(result.problems), result.problems


def test_an_evidence_item_withdrawn_without_a_correction_is_named(app):
    case_id = open_case(app)
    records.add_evidence_file(app, case_id, HEAD, b"a post", "post.png")
    with app.db.engine.begin() as connection:
        connection.execute(update(Evidence).where(Evidence.case_id == case_id).values(withdrawn_at=app.clock.now()))
    result = integrity.verify(app, case_id=case_id)
    assert not result.ok and "its trail holds no withdrawal" in "\n".join(result.problems)


def test_verify_replays_an_owner_links_and_a_first_publication_date_beside_corrections(app):
    """Both records of a case at once: its owner, its links and its first-publication date (the case's memory)
    with answers kept per action, corrections, a track and a reopening; and the chronology words each."""
    case_id, other = open_case(app, "staff_offensive"), open_case(app, "staff_offensive")
    owners.assign_owner(app, case_id, HEAD, HEAD)
    act(app, case_id, "acknowledge", staff_reassured="yes")
    links.link_cases(app, case_id, other, HEAD, "the same parent again", "poster")
    links.set_first_published(app, case_id, HEAD, date(2026, 9, 1), "the post's own date")
    act(app, case_id, "start_police")
    corrections.correct_case(app, case_id, HEAD, "it was about the school", summary="A rude post about the school")
    act(app, case_id, "close_no_action", reason="A misunderstanding")
    corrections.reopen_case(app, case_id, HEAD, "the posts are back")
    for case in (case_id, other):
        result = integrity.verify(app, case_id=case)
        assert result.ok, result.problems
    headlines = [e.headline for e in queries.audit_trail(app, case_id).chronology]
    assert any(h.startswith("Given to ") and "owner" in h for h in headlines), headlines
    assert f"Linked to case {other}" in headlines
    assert any(h.startswith("First published corrected to ") for h in headlines), headlines
    assert not any("_" in h for h in headlines), headlines  # every kind in words, none by its name
