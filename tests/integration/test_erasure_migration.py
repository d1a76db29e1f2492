"""Migration 0013 on a trail written before it: every event keeps its hash (formula 1, the checkpoints hold),
gets the digest of its content, still verifies; and its content can be erased and verify as erased."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, select, update

from engine.commands import erasure, records, retention
from engine.commands.cases import resolve_actor
from engine.commands.checkpoints import take_checkpoint
from engine.commands.integrity import verify
from engine.integrity_key import read_key
from store import AuditEvent, Case, audit, integrity, migrate
from tests.conftest import HEAD
from tests.integration.helpers import act, open_case
from tests.integration.test_tamper import problems


def as_written_before_0013(app, case_id: int) -> None:  # type: ignore[no-untyped-def]
    """The case's trail as Redress wrote it before digests: each hash over the content itself, signed."""
    key = read_key(app.settings)
    assert key is not None
    with app.db.reading() as session:
        events = audit.events(session, case_id)
    prev = audit.GENESIS
    with app.db.engine.begin() as connection:
        for event in events:
            values = {c: getattr(event, c) for c in audit.CHECKED} | {"formula": 1}
            digest = audit.hash_of(prev, values)
            connection.execute(
                update(AuditEvent)
                .where(AuditEvent.id == event.id)
                .values(formula=1, digest=None, prev_hash=prev, hash=digest, mac=integrity.mac(key, digest))
            )
            prev = digest
        connection.execute(update(Case).where(Case.id == case_id).values(head_hash=prev))


def test_an_old_trail_migrates_verifies_and_can_be_erased(app):
    case_id = open_case(app, "staff_offensive")
    records.add_evidence_file(app, case_id, HEAD, b"%PDF the post", "post.pdf", "the post")
    records.add_note(app, case_id, HEAD, "Mrs Jones called about Mr Smith.")
    act(app, case_id, "close_no_action", reason="deleted")
    as_written_before_0013(app, case_id)
    # The downgrade rebuilds tables on SQLite, which it can do only with foreign keys off (Redress's own
    # engine turns them on): it runs on a plain engine, as an operator's rollback would. The upgrade runs as
    # `redress init` runs it, foreign keys on, over a populated database: 0013 only adds columns.
    plain = create_engine(app.db.engine.url)
    try:
        command.downgrade(migrate.alembic_config(plain), "0012")
    finally:
        plain.dispose()
    migrate.upgrade(app.db.engine)
    take_checkpoint(app)  # a checkpoint of the migrated heads: an erasure must not break it

    with app.db.reading() as session:
        events = audit.events(session, case_id)
    assert {e.formula for e in events} == {1}
    assert all(e.digest == audit.data_digest(e.data) for e in events), "the migration computed no digests"
    result = verify(app)
    assert result.ok, problems(result)

    with app.db.unit_of_work() as session:
        case = session.get(Case, case_id)
        assert case is not None
        erasure.erase_case_content(app, session, case, resolve_actor(session, HEAD), "complaints", "a rule", app.clock.now())
    result = verify(app)
    assert result.ok, problems(result)
    assert result.erased == len(events)
    assert retention.plan_retention(app, HEAD) == ()

    # an old event's content edited (not erased) is still caught
    with app.db.engine.begin() as connection:
        connection.execute(
            update(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.kind == "erased").values(data={"rule": "forged"})
        )
    assert "was changed after it was recorded" in problems(verify(app))
    with app.db.reading() as session:
        assert session.scalar(select(AuditEvent.formula).where(AuditEvent.kind == "erased")) == 2
