"""Erasure with the trail intact, on a real SQLite file and a real PostgreSQL server: a mistaken upload
leaves the store and becomes a tombstone, a held case is never purged, a purged case keeps its certificate,
and `redress verify` reports erased events as erased while an edited one is still caught."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from engine.commands import erasure, records
from engine.commands.evidence_store import evidence_path
from engine.commands.integrity import verify
from engine.errors import Refused
from engine.queries.cases import audit_trail
from store import AuditEvent, Case, ErasureCertificate, Evidence, Note, Party, audit
from tests.conftest import CHAIR, COORDINATOR, HEAD
from tests.integration.helpers import act, count, open_case
from tests.integration.test_tamper import problems, sql

PHOTO = b"\xff\xd8\xff\xe0 a photo of a pupil in uniform"


def a_case_with_a_photo(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    case_id = open_case(app, "staff_offensive")
    act(app, case_id, "acknowledge", staff_reassured="yes")
    item = records.add_evidence_file(app, case_id, HEAD, PHOTO, "pupil-photo.jpg", "the pupil in the photo")
    records.add_note(app, case_id, HEAD, "Spoke to Mr Smith; he is upset but coping.")
    return case_id, item.id


def test_a_mistaken_upload_leaves_the_store_and_its_tombstone_verifies(app):
    case_id, item_id = a_case_with_a_photo(app)
    with app.db.reading() as session:
        sha256 = session.scalar(select(Evidence.sha256).where(Evidence.id == item_id))
    assert evidence_path(app.data_dir, sha256).exists()

    certificate = erasure.erase_evidence(app, case_id, HEAD, item_id, "a photo of a pupil, uploaded by mistake")

    assert not evidence_path(app.data_dir, sha256).exists(), "the file is still in the store"
    with app.db.reading() as session:
        item = session.get(Evidence, item_id)
        assert item is not None
        assert (item.sha256, item.original_name, item.description, item.erased_reason) == (
            sha256,
            None,
            "",
            "a photo of a pupil, uploaded by mistake",
        )
        assert item.erased_at is not None and item.erased_by_id is not None
        added = session.scalar(select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.kind == "evidence"))
        assert added is not None and added.data == {} and added.erased_at is not None
        assert "pupil-photo.jpg" not in str([e.data for e in audit.events(session, case_id)])
    assert certificate.rule == "mistaken_upload" and sha256 in certificate.what[0]

    result = verify(app)
    assert result.ok, problems(result)
    assert result.erased == 1
    trail = audit_trail(app, case_id, verify=True)
    assert trail.verification is not None and trail.verification.ok
    assert trail.verification.erased == (added.seq,)
    assert any(entry.headline == "Evidence added (details erased)" for entry in trail.chronology)


def test_an_edited_event_is_still_caught_beside_an_erased_one(app):
    case_id, item_id = a_case_with_a_photo(app)
    erasure.erase_evidence(app, case_id, HEAD, item_id, "uploaded by mistake")
    sql(  # the attacker edits the note's event, which was not erased
        app,
        update(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.kind == "note")
        .values(data={"note": 1, "text": "Nothing was said."}),
    )
    result = verify(app)
    assert not result.ok
    assert "(note, " in problems(result) and "was changed after it was recorded" in problems(result)


def test_content_marked_erased_behind_the_trails_back_is_caught(app):
    case_id, _ = a_case_with_a_photo(app)
    sql(
        app,
        update(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.kind == "note")
        .values(data={}, erased_at=app.clock.now()),
    )
    result = verify(app)
    assert not result.ok
    assert "is marked erased, but no erasure in its trail names it" in problems(result)


def test_erasing_an_upload_needs_the_power_and_a_reason(app):
    case_id, item_id = a_case_with_a_photo(app)
    with pytest.raises(Refused, match="coordinator@"):
        erasure.erase_evidence(app, case_id, COORDINATOR, item_id, "by mistake")
    with pytest.raises(Exception, match="say why"):
        erasure.erase_evidence(app, case_id, HEAD, item_id, "  ")
    assert count(app, ErasureCertificate) == 0


def test_a_legal_hold_is_audited_and_stops_a_purge(app):
    case_id, _ = a_case_with_a_photo(app)
    erasure.hold_case(app, case_id, CHAIR, "police investigation: keep everything")
    with app.db.unit_of_work() as session:
        case = session.get(Case, case_id)
        assert case is not None
        from engine.commands.cases import resolve_actor

        with pytest.raises(Refused, match="legal hold"):
            erasure.erase_case_content(app, session, case, resolve_actor(session, HEAD), "test", "a rule", app.clock.now())
    with pytest.raises(Refused, match="already under a legal hold"):
        erasure.hold_case(app, case_id, HEAD, "again")
    with pytest.raises(Refused, match="may not"):
        erasure.release_hold(app, case_id, COORDINATOR, "done")
    erasure.release_hold(app, case_id, HEAD, "the police closed their inquiry")
    result = verify(app)
    assert result.ok, problems(result)
    kinds = [e.kind for e in audit_trail(app, case_id).events]
    assert kinds[-2:] == ["held", "released"]


def test_a_hold_set_behind_the_trails_back_is_caught(app):
    case_id, _ = a_case_with_a_photo(app)
    sql(app, update(Case).where(Case.id == case_id).values(held_at=app.clock.now(), held_reason="x"))
    assert "under a legal hold but its trail says it is not" in problems(verify(app))


def test_a_purged_case_keeps_its_trail_and_certificate(app):
    case_id, item_id = a_case_with_a_photo(app)
    records.record_meeting(app, case_id, HEAD, date(2026, 11, 20), "head, Mrs Jones", "agreed to remove the post")
    with app.db.reading() as session:
        sha256 = session.scalar(select(Evidence.sha256).where(Evidence.id == item_id))
    with app.db.unit_of_work() as session:
        case = session.get(Case, case_id)
        assert case is not None
        from engine.commands.cases import resolve_actor

        certificate, files = erasure.erase_case_content(
            app, session, case, resolve_actor(session, HEAD), "complaints", "Complaints: 6 years", app.clock.now()
        )
    erasure.take_files(app, files)
    assert not evidence_path(app.data_dir, sha256).exists()
    with app.db.reading() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.summary == "" and case.facts == {} and case.erased_at is not None
        assert session.scalars(select(Note.text).where(Note.case_id == case_id)).all() == [""]
        assert count(app, Party, case_id=case_id) == 0
        left = " ".join(str(e.data) for e in audit.events(session, case_id) if e.kind != "erased")
        assert "Smith" not in left and "Mrs Jones" not in left
    result = verify(app)
    assert result.ok, problems(result)
    assert result.erased >= 5
    (kept,) = erasure.certificates(app, HEAD)
    assert kept.case_id == case_id and kept.rule_title == "Complaints: 6 years" and kept.event_seq == certificate.event_seq
    with pytest.raises(Refused):
        erasure.certificates(app, COORDINATOR)


def test_the_police_and_the_authorities_put_a_case_under_a_legal_hold_of_themselves(app):
    """Stages that declare `legal_hold` (the police track's "With the police", "Referred to the authorities",
    "Legal advice") hold the case as it enters them, by the system, and the record still verifies."""
    from engine.commands.erasure import release_hold

    threat = open_case(app, "threat_of_violence")  # the police track starts at opening
    referred = open_case(app, "staff_offensive")
    act(app, referred, "refer_to_authorities", authority="police", reference="REF-1", reason="A threat")
    plain = open_case(app, "staff_offensive")
    with app.db.reading() as session:
        held = {c.id: c.held_reason for c in session.scalars(select(Case).where(Case.id.in_([threat, referred, plain])))}
    assert held == {threat: "With the police", referred: "Referred to the authorities", plain: None}
    release_hold(app, referred, HEAD, "The police have closed their enquiry")
    with app.db.reading() as session:
        assert session.get_one(Case, referred).held_at is None
        assert audit.verify(session, threat).ok and audit.verify(session, referred).ok
    assert verify(app).ok
