"""No email is rendered while a write transaction is open (issue 15), and the version check that makes
that safe: the case read before rendering is checked under the write lock, and read again if it moved.
On a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text, update
from sqlalchemy.pool import NullPool

from engine.commands import cases
from engine.commands.notify import Renders
from engine.context import Redress
from engine.errors import Conflict
from engine.rules.clock import FixedClock
from engine.worker.firing import fire_due
from store import AuditEvent, Case, OutboxMessage, audit
from tests.conftest import MONDAY
from tests.integration.helpers import act, count, open_case

REASON = "The parent refuses to meet and keeps posting."


def _no_write_transaction(app: Redress) -> Callable[[], str | None]:
    """A check, run from another connection: None if no transaction of the app holds the write side,
    else what holds it. SQLite: another connection can take the write lock at once. PostgreSQL: no other
    session on the database is inside a transaction."""
    url = app.db.engine.url
    if url.get_backend_name() == "sqlite":
        path = url.database

        def sqlite_check() -> str | None:
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                return None
            except sqlite3.OperationalError as exc:
                return str(exc)
            finally:
                other.close()

        return sqlite_check

    watcher = create_engine(url.render_as_string(hide_password=False), poolclass=NullPool)

    def postgres_check() -> str | None:
        with watcher.connect() as connection:
            busy = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                )
            ).scalar_one()
        return f"{busy} session(s) inside a transaction" if busy else None

    return postgres_check


@contextmanager
def _watched_renders(app: Redress, during: Callable[[str], None] | None = None) -> Iterator[list[tuple[str, str | None]]]:
    """Every email rendered, with what held the write side while it was (None: nothing)."""
    check = _no_write_transaction(app)
    renderer = app.renderer
    real = renderer.render
    seen: list[tuple[str, str | None]] = []

    def render(template: str, context: Any) -> Any:
        seen.append((template, check()))
        if during is not None:
            during(template)
        return real(template, context)

    renderer.render = render  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        renderer.render = real  # type: ignore[method-assign]


def test_opening_acting_and_escalating_render_with_no_write_transaction_open(app):
    with _watched_renders(app) as seen:
        case_id = open_case(app, "staff_offensive")
        opened = len(seen)
        act(app, case_id, "escalate_to_chair", reason=REASON)
        acted = len(seen)
        other = open_case(app, "staff_offensive")
        app.clock = FixedClock(MONDAY + timedelta(days=30))
        before = len(seen)
        fired = fire_due(app)
    assert opened > 0 and acted > opened and fired.escalations == 1 and len(seen) > before
    assert count(app, OutboxMessage, case_id=other) > 2  # the escalation's and the reminders' emails, as rendered
    held = [(template, holder) for template, holder in seen if holder is not None]
    assert held == []
    with app.db.reading() as session:
        assert audit.verify(session, case_id).ok and audit.verify(session, other).ok


def _bump_version(app: Redress, case_id: int) -> None:
    """Another command moving the case between the read and the write (its version steps on)."""
    with app.db.unit_of_work() as session:
        session.execute(update(Case).where(Case.id == case_id).values(version=Case.version + 1))


def test_an_action_whose_case_moved_while_rendering_reads_it_again_and_goes_through(app):
    case_id = open_case(app, "staff_offensive")
    version = cases_version(app, case_id)
    bumped: list[str] = []

    def move_once(template: str) -> None:
        if not bumped:
            bumped.append(template)
            _bump_version(app, case_id)

    events, outbox = count(app, AuditEvent, case_id=case_id), count(app, OutboxMessage, case_id=case_id)
    with _watched_renders(app, move_once) as seen:
        result = act(app, case_id, "escalate_to_chair", reason=REASON)
    assert bumped, "the action rendered nothing: the test proves nothing"
    # written once, on the version it found when it read again; the emails' content had not changed,
    # so each was rendered once
    assert result.version == version + 2
    assert [t for t, _ in seen].count(bumped[0]) == 1
    assert count(app, AuditEvent, case_id=case_id) == events + 1
    sent = count(app, OutboxMessage, case_id=case_id) - outbox
    assert sent == len(seen)  # one outbox row per email rendered, none lost, none twice
    with app.db.reading() as session:
        assert audit.verify(session, case_id).ok


def test_an_action_whose_case_keeps_moving_is_refused_with_one_line_and_changes_nothing(app, monkeypatch):
    case_id = open_case(app, "staff_offensive")
    events, outbox = count(app, AuditEvent, case_id=case_id), count(app, OutboxMessage)
    real = Renders.render_wanted
    rounds: list[int] = []

    def render_while_the_case_moves(self: Renders, renderer: Any) -> None:
        rounds.append(len(self.wanted))
        _bump_version(app, case_id)  # between every read and its write
        real(self, renderer)

    monkeypatch.setattr(Renders, "render_wanted", render_while_the_case_moves)
    with pytest.raises(Conflict) as refused:
        act(app, case_id, "escalate_to_chair", reason=REASON)
    assert str(refused.value) == cases.CHANGED
    assert len(rounds) == cases.ATTEMPTS and rounds[0] > 0  # read, rendered and tried again each time
    assert count(app, AuditEvent, case_id=case_id) == events
    assert count(app, OutboxMessage) == outbox
    assert cases_stage(app, case_id) == "reported"


def test_renders_keyed_by_their_whole_context(app):
    """The write pass takes a message only if it was rendered from the same template and context."""
    renders = Renders()
    context = {"case": {"id": 1}, "recipient": {"name": "Sam", "email": "sam@school.example"}}
    assert renders.get("new_case", context) is None
    assert renders.get("new_case", {**context, "case": {"id": 2}}) is None
    assert len(renders.wanted) == 2


def cases_version(app: Redress, case_id: int) -> int:
    with app.db.reading() as session:
        return cases.load_case(session, case_id).version


def cases_stage(app: Redress, case_id: int) -> str:
    with app.db.reading() as session:
        return cases.load_case(session, case_id).stage


def test_the_other_senders_render_with_no_write_transaction_open(app):
    """A correction that adds a member of staff (their reassurance), a missing evidence file (the headteacher's
    alert), the daily digest and the policy review reminder: each rehearses, renders, then writes."""
    from engine.commands import corrections, records
    from engine.commands.evidence_check import read_verified
    from engine.errors import EvidenceMissing
    from engine.worker.digest import send_digest_if_due, send_review_if_due
    from tests.conftest import HEAD, TESS

    case_id = open_case(app, "staff_offensive")
    item = records.add_evidence_file(app, case_id, HEAD, b"\x89PNG the post", "post.png", "the post")
    path = records.evidence_path(app.data_dir, item.sha256 or "")
    with _watched_renders(app) as seen:
        corrections.add_party(app, case_id, HEAD, "staff", "named in a reply", email=TESS)
        added = [template for template, _ in seen]
        path.unlink()
        with pytest.raises(EvidenceMissing):
            read_verified(app, case_id, item.id, HEAD)
        alerted = [template for template, _ in seen][len(added) :]
        app.clock = FixedClock(MONDAY + timedelta(days=1))  # Tuesday, after the digest's time
        digests = send_digest_if_due(app)
        app.clock = FixedClock(MONDAY.replace(year=2027, month=3, day=1))
        reminders = send_review_if_due(app)
    assert added == ["staff_reassurance"] and alerted and digests >= 1 and reminders >= 1
    assert count(app, OutboxMessage, case_id=case_id, recipient_email=TESS, template="staff_reassurance") == 1
    assert [(template, holder) for template, holder in seen if holder is not None] == []
