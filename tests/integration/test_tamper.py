"""Tampering with the record behind the trail's back: `redress verify` fails and names the event, row,
case or file, on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, or_, select, update

from engine.commands import records
from engine.commands.checkpoints import LOG_FILE, take_checkpoint
from engine.commands.evidence_check import read_verified
from engine.commands.integrity import VerifyResult, verify
from engine.commands.links import link_cases
from engine.context import Redress
from engine.errors import EvidenceChanged, EvidenceMissing
from engine.integrity_key import read_key
from redress.cli import main
from store import (
    AuditEvent,
    Case,
    CaseLink,
    Checkpoint,
    Evidence,
    Meeting,
    Note,
    OutboxMessage,
    Party,
    Timer,
    audit,
    integrity,
    table_of,
)
from tests.conftest import HEAD, WORKFLOW
from tests.integration.helpers import act, count, open_case

SCREENSHOT = b"\x89PNG\r\n\x1a\n a screenshot of the post"


def a_case_with_a_record(app: Redress) -> int:
    """A case with actions, a note, a meeting, an evidence file and a link: eight events or so."""
    case_id = open_case(app, "staff_offensive")
    act(app, case_id, "acknowledge", staff_reassured="yes")
    records.add_evidence_file(app, case_id, HEAD, SCREENSHOT, "post.png", "the post")
    records.add_evidence_link(app, case_id, HEAD, "https://facebook.example/post/1", "the post online")
    records.add_note(app, case_id, HEAD, "Spoke to Mr Smith; he is upset but coping.")
    act(app, case_id, "arrange_meeting", meeting_date="2026-11-30", invited_by="letter")
    records.record_meeting(app, case_id, HEAD, date(2026, 11, 20), "head, parent", "agreed to remove the post")  # a past day
    return case_id


def problems(result: VerifyResult) -> str:
    return "\n".join(result.problems)


def failed_naming(app: Redress, *names: str, **options: Any) -> VerifyResult:
    result = verify(app, **options)
    assert not result.ok, "verify passed a tampered record"
    for name in names:
        assert name in problems(result), f"{name!r} not in:\n{problems(result)}"
    return result


def sql(app: Redress, *statements: Any) -> None:
    """The attacker: direct writes to the database, no Redress command."""
    with app.db.engine.begin() as connection:
        for statement in statements:
            connection.execute(statement)


def last_seq(app: Redress, case_id: int) -> int:
    with app.db.reading() as session:
        return int(session.scalar(select(Case.head_seq).where(Case.id == case_id)) or 0)


@pytest.fixture
def case_id(app: Redress) -> int:
    case_id = a_case_with_a_record(app)
    other = a_case_with_a_record(app)  # a second case, untouched: only the first is named
    link_cases(app, other, case_id, HEAD, "the same poster", "poster")  # links are replayed like the rest of the record
    assert verify(app).ok, problems(verify(app))
    return case_id


def test_an_untouched_record_verifies_with_every_event_signed(app, case_id):
    result = verify(app)
    assert result.ok and result.keyed and result.unsigned == 0
    assert result.cases == 2 and result.files == 1 and result.events == 2 * last_seq(app, case_id)


def test_editing_one_field_of_an_old_event_is_named(app, case_id):
    sql(app, update(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq == 2).values(actor="someone@else.example"))
    failed_naming(app, f"case {case_id}: event 2 (action", "was changed after it was recorded")


def test_deleting_the_newest_event_is_named(app, case_id):
    sql(app, delete(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq == last_seq(app, case_id)))
    failed_naming(
        app, f"case {case_id}: its trail ends at event {last_seq(app, case_id) - 1}", "events were removed from its end"
    )


def test_deleting_the_newest_event_and_moving_the_head_back_is_caught_by_the_checkpoint(app, case_id):
    take_checkpoint(app)
    newest = last_seq(app, case_id)
    with app.db.reading() as session:
        before = session.scalar(select(AuditEvent.hash).where(AuditEvent.case_id == case_id, AuditEvent.seq == newest - 1))
    sql(
        app,
        delete(Meeting).where(Meeting.case_id == case_id),
        delete(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq == newest),
        update(Case).where(Case.id == case_id).values(head_seq=newest - 1, head_hash=before),
    )
    failed_naming(app, f"case {case_id}: checkpoint 1 saw event {newest}, which is no longer there")


def test_deleting_a_middle_event_is_named(app, case_id):
    sql(app, delete(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq == 4))
    failed_naming(app, f"case {case_id}: event 4 is missing (event 5 is in its place)")


def test_swapping_two_events_is_named(app, case_id):
    events = table_of(AuditEvent)
    where = events.c.case_id == case_id
    sql(
        app,
        update(events).where(where, events.c.seq == 3).values(seq=-3),
        update(events).where(where, events.c.seq == 4).values(seq=3),
        update(events).where(where, events.c.seq == -3).values(seq=4),
    )
    failed_naming(app, f"case {case_id}: event 3", "does not follow event 2")


def test_deleting_a_whole_case_is_named_by_the_checkpoint(app, case_id):
    take_checkpoint(app)
    sql(
        app,
        *(
            delete(model).where(model.case_id == case_id)  # type: ignore[attr-defined]
            for model in (AuditEvent, Note, Meeting, Evidence, Party, Timer, OutboxMessage)
        ),
        delete(CaseLink).where(or_(CaseLink.case_id == case_id, CaseLink.other_id == case_id)),
        delete(Case).where(Case.id == case_id),
    )
    failed_naming(app, f"case {case_id} is gone: checkpoint 1 saw it")


def test_changing_a_case_stage_directly_is_named(app, case_id):
    sql(app, update(Case).where(Case.id == case_id).values(stage="closed"))
    failed_naming(app, f"case {case_id}: stage is 'closed' but its trail ends at 'meeting_poster'")


def test_changing_a_case_facts_directly_is_named(app, case_id):
    sql(app, update(Case).where(Case.id == case_id).values(facts={"staff_reassured": "no"}))
    failed_naming(app, f"case {case_id}: its facts", "are not those its actions gave")


def test_a_tracks_event_and_its_facts_are_checked_like_the_cases_own(app, case_id):
    threat = open_case(app, "threat_of_violence")  # the police track starts, the school's clock pauses
    act(app, threat, "record_police_outcome", police_outcome="Harassment warning given", police_reference="PR/123")
    assert verify(app).ok, problems(verify(app))
    sql(app, update(Case).where(Case.id == threat).values(facts={"police_reference": "PR/999"}))
    failed_naming(app, f"case {threat}: its facts", "are not those its actions gave")
    sql(app, update(AuditEvent).where(AuditEvent.case_id == threat, AuditEvent.seq == 2).values(track=None))
    failed_naming(app, f"case {threat}: event 2 (track_started", "was changed after it was recorded")


def test_editing_a_note_row_is_named(app, case_id):
    sql(app, update(Note).where(Note.case_id == case_id).values(text="Nothing happened."))
    failed_naming(app, f"case {case_id}: note", "was edited after it was recorded (text; trail event")


def test_editing_a_party_row_is_named(app, case_id):
    sql(app, update(Party).where(Party.case_id == case_id).values(reference="someone else"))
    failed_naming(app, f"case {case_id}: its parties")


def forge_next(app: Redress, case_id: int, mac: str | None) -> None:
    """An event with a correct hash, appended without Redress: the attacker has the database, not the key."""
    with app.db.reading() as session:
        case = session.get(Case, case_id)
        assert case is not None
        head, stage = audit.Head(case.head_seq, case.head_hash), case.stage
    event = audit.next_event(
        case_id,
        head,
        at=app.clock.now(),
        actor=HEAD,
        kind="note",
        stage_before=stage,
        stage_after=stage,
        data={"note": 999, "text": "Parent apologised."},
    )
    sql(
        app,
        insert(AuditEvent).values(**event, mac=mac),
        update(Case).where(Case.id == case_id).values(head_seq=event["seq"], head_hash=event["hash"]),
    )


def test_a_forged_event_with_a_correct_hash_but_no_signature_is_named(app, case_id):
    forge_next(app, case_id, None)
    failed_naming(app, f"case {case_id}: event {last_seq(app, case_id)}", "unsigned after signed events")


def test_a_forged_event_signed_with_another_key_is_named(app, case_id):
    forge_next(app, case_id, integrity.mac(secrets.token_bytes(32), "0" * 64))
    failed_naming(app, f"case {case_id}: event {last_seq(app, case_id)}", "signature the integrity key did not make")


def evidence_file(app: Redress, case_id: int) -> tuple[int, Path]:
    with app.db.reading() as session:
        item = session.scalars(select(Evidence).where(Evidence.case_id == case_id, Evidence.kind == "file")).one()
        return item.id, records.evidence_path(app.data_dir, item.sha256 or "")


def test_an_overwritten_evidence_file_is_named_and_never_served(app, case_id):
    evidence_id, path = evidence_file(app, case_id)
    path.write_bytes(b"a different picture")
    failed_naming(app, f"case {case_id}: evidence {evidence_id} (“post.png”) was changed after it was added")
    for _ in range(2):
        with pytest.raises(EvidenceChanged, match="cannot be shown"):
            read_verified(app, case_id, evidence_id, HEAD)
    trail = [e for e in audit_events(app, case_id) if e.kind == "evidence_check_failed"]
    assert len(trail) == 2 and trail[0].data["evidence"] == evidence_id
    assert count(app, OutboxMessage, template="evidence_check_failed") == 1  # once per file per day
    assert verify(app).problems == failed_naming(app).problems  # the failure events themselves verify


def case_audit(app: Redress, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """`redress case audit ARGV --as HEAD` as a person runs it (redress.cli.main), on the app's database and data."""
    for name in [n for n in os.environ if n.startswith("REDRESS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("REDRESS_DATABASE_URL", app.settings.database_url)
    monkeypatch.setenv("REDRESS_DATA_DIR", str(app.data_dir))
    monkeypatch.setenv("REDRESS_WORKFLOW", str(WORKFLOW))
    monkeypatch.chdir(app.data_dir.parent)
    capsys.readouterr()
    try:
        main(["case", "audit", *argv, "--as", HEAD])
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, capsys.readouterr().out


def test_case_audit_verify_runs_the_full_check_and_fails_on_an_overwritten_evidence_file(app, case_id, monkeypatch, capsys):
    code, out = case_audit(app, monkeypatch, capsys, str(case_id), "--verify")
    assert code == 0 and "chain intact" in out and "evidence files hold" in out, out
    evidence_id, path = evidence_file(app, case_id)
    path.write_bytes(b"a different picture")
    named = f"case {case_id}: evidence {evidence_id} (“post.png”) was changed after it was added"

    code, out = case_audit(app, monkeypatch, capsys, str(case_id), "--verify")
    assert code == 1 and f"TAMPERED: {named}" in out, out  # the chain holds: only the full check finds it

    code, out = case_audit(app, monkeypatch, capsys, str(case_id), "--verify", "--json")
    verification = json.loads(out)["verification"]
    assert code == 1 and verification["ok"] is False and verification["first_bad_seq"] is None
    assert verification["checked"] == last_seq(app, case_id) and verification["reason"].startswith(named)
    assert any(named in problem for problem in verification["problems"])


def test_a_deleted_evidence_file_is_named_and_never_served(app, case_id):
    evidence_id, path = evidence_file(app, case_id)
    path.unlink()
    failed_naming(app, f"case {case_id}: evidence {evidence_id} (“post.png”) is missing from the evidence store")
    with pytest.raises(EvidenceMissing):
        read_verified(app, case_id, evidence_id, HEAD)


def audit_events(app: Redress, case_id: int) -> list[AuditEvent]:
    with app.db.reading() as session:
        return audit.events(session, case_id)


def rebuild(app: Redress, case_id: int, key: bytes) -> None:
    """Rewrite event 2 and every event after it with fresh hashes and signatures: the attacker has the
    database AND the key."""
    events = audit_events(app, case_id)
    prev = events[0].hash
    with app.db.engine.begin() as connection:
        for event in events[1:]:
            values = {
                c: getattr(event, c) for c in ("case_id", "seq", "at", "actor", "kind", "action", "stage_before", "stage_after")
            }
            values["data"] = {**event.data, "note": "rewritten"} if event.seq == 2 else event.data
            values["formula"], values["digest"] = event.formula, audit.data_digest(values["data"])  # under the current formula
            digest = audit.hash_of(prev, values)
            connection.execute(
                update(AuditEvent)
                .where(AuditEvent.id == event.id)
                .values(data=values["data"], digest=values["digest"], prev_hash=prev, hash=digest, mac=integrity.mac(key, digest))
            )
            prev = digest
        connection.execute(update(Case).where(Case.id == case_id).values(head_hash=prev))


def test_a_chain_rebuilt_with_the_key_after_a_checkpoint_is_named(app, case_id):
    take_checkpoint(app)
    key = read_key(app.settings)
    assert key is not None
    rebuild(app, case_id, key)
    failed_naming(app, f"case {case_id}: event {last_seq(app, case_id)} is not the event checkpoint 1 saw: the trail was rebuilt")


def test_checkpoints_rewritten_too_are_caught_by_the_copy_kept_elsewhere(app, case_id, tmp_path):
    take_checkpoint(app)
    kept = tmp_path / "copied-checkpoints.log"
    kept.write_text((app.data_dir / LOG_FILE).read_text())
    key = read_key(app.settings)
    assert key is not None
    rebuild(app, case_id, key)
    # The attacker also rewrites the checkpoint so that it matches the rebuilt chain, and signs it.
    sql(app, delete(Checkpoint))
    take_checkpoint(app)
    assert verify(app).ok  # the database alone now agrees with itself...
    failed_naming(app, f"{kept.name} line 1: checkpoint 1 differs from the copy kept", against=kept)
    digests = tmp_path / "digests.txt"
    digests.write_text(json.loads(kept.read_text().splitlines()[0])["hash"] + "\n")
    failed_naming(app, "matches no checkpoint in the database", against=digests)


def test_the_copy_kept_elsewhere_agrees_with_an_untouched_database(app, case_id):
    take_checkpoint(app)
    take_checkpoint(app)
    lines = (app.data_dir / LOG_FILE).read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2]
    assert verify(app, against=app.data_dir / LOG_FILE).ok


def test_a_tampered_access_log_is_named(app, case_id):
    from engine.commands.custody import record_access
    from store import AccessEntry

    for what in ("case_page", "evidence", "export"):
        record_access(app, HEAD, 1, case_id, what)
    assert verify(app).ok
    sql(app, delete(AccessEntry).where(AccessEntry.seq == 2))
    failed_naming(app, "access log entry 2 is missing")


def test_the_mac_key_is_private_and_outside_the_database(app):
    path = app.data_dir / "integrity.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert hashlib.sha256(path.read_bytes()).hexdigest()  # there, and made by init
