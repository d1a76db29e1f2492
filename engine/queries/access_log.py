"""A case's access log: who read its page, its evidence, its exports and letters, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine.context import Redress
from store import AccessEntry

WHAT = {
    "case_page": "read the case page",
    "evidence": "downloaded evidence",
    "export": "exported the case",
    "letter": "wrote a letter",
    "access_log": "read this access log",
    "subject_export": "included it in a subject access export",
}


@dataclass(frozen=True)
class AccessLine:
    seq: int
    at: datetime
    actor: str
    what: str
    detail: str

    @property
    def said(self) -> str:
        return WHAT.get(self.what, self.what)


def case_access_log(app: Redress, case_id: int, *, limit: int = 500) -> list[AccessLine]:
    """The newest `limit` entries about one case, newest first (served from ix_access_case)."""
    query = (
        select(AccessEntry.seq, AccessEntry.at, AccessEntry.actor, AccessEntry.what, AccessEntry.detail)
        .where(AccessEntry.case_id == case_id)
        .order_by(AccessEntry.seq.desc())
        .limit(limit)
    )
    with app.db.reading() as session:
        return [AccessLine(r.seq, r.at, r.actor, r.what, r.detail) for r in session.execute(query)]
