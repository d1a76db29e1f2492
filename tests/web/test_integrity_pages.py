"""The integrity check on the dashboard: the headteacher (who sees every case) is told when the latest stored
`redress verify` failed, what failed, when, and what to run; a member of staff is told nothing of it."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from engine import dashboard
from engine.commands import integrity
from engine.commands.records import evidence_path
from engine.context import Redress
from tests.conftest import HEAD, SAM
from tests.web import school
from tests.web.school import PNG
from tests.web.test_read_side import _viewer, counted


def test_a_failed_verification_shows_on_the_heads_dashboard_and_not_on_a_staff_members(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    school.build(app)
    held = app.clock.now()
    assert integrity.nightly(app).ok
    quiet = browser(HEAD).get("/").text
    assert "Record verified" in quiet and f"last checked {app.local(held)}" in quiet
    assert "did not verify" not in quiet

    app.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    evidence_path(app.data_dir, hashlib.sha256(PNG).hexdigest()).write_bytes(b"not the screenshot that was added")
    failed_at = app.clock.now()
    assert not integrity.nightly(app).ok

    head, sam = browser(HEAD), browser(SAM)  # signed in afresh: a day is past the idle limit
    board = head.get("/").text
    assert 'role="alert"' in board and "The record did not verify" in board
    assert f"The integrity check of {app.local(failed_at)}" in board
    assert "was changed after it was added" in board and "screenshot.png" in board
    assert "<code>redress verify</code>" in board
    assert f"last verified in full on {app.local(held)}" in board

    with app.db.reading() as session:
        viewer = _viewer(app, session, HEAD)
    assert viewer is not None
    with counted(app) as counts:
        status = dashboard(app, viewer).integrity
    assert counts.transactions == 1  # read with the rest of the board
    assert status is not None and not status.ok and status.checked_at == failed_at and status.last_ok_at == held

    staff = sam.get("/")
    assert staff.status_code == 200 and "Sam Staff" in staff.text
    assert not any(word in staff.text for word in ("did not verify", "redress verify", "Record verified"))
