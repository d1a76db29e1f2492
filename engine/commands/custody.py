"""Access custody: every reading of a case (its page, an evidence file, an export, a letter) leaves an
entry in the school-wide, hash-chained access log (store.integrity). One small write transaction."""

from __future__ import annotations

from engine.context import Redress
from store import integrity

CASE_PAGE, EVIDENCE, EXPORT, LETTER, ACCESS_LOG = "case_page", "evidence", "export", "letter", "access_log"


def record_access(app: Redress, actor: str, actor_id: int | None, case_id: int | None, what: str, detail: str = "") -> int:
    """Record that `actor` read `what` of case `case_id`; returns the entry's number in the log."""
    with app.db.unit_of_work() as session:
        return integrity.append_access(
            session.connection(),
            at=app.clock.now(),
            actor=actor,
            actor_id=actor_id,
            case_id=case_id,
            what=what,
            detail=detail[:500],
        )
