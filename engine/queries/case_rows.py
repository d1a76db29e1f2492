"""A case read through SQLAlchemy Core, for `redress case show` and the API's case: the case row, its parties
(each with their person) and who opened it, with the attributes `case_view` and `access_of` read of the ORM's
`Case`, under the same names (a column's name is its attribute's).

A one-shot read that never touches a mapped class sets up none of the ORM's mappers (about 20 ms of CPU for
the 24 models) and its statements compile quicker: most of what `case show` costs beyond its imports. The
case page keeps the ORM's `Case`, which its other parts (links, owners, the chain's check) read as well;
`case_view` builds the same view from either (tests/integration/test_case_show_read.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from store import Case, Party, Person, core_rows, table_of

cases = table_of(Case)
parties = table_of(Party)
people = table_of(Person)
PERSON = (people.c.id, people.c.email, people.c.name, people.c.roles, people.c.active)
"""What a view reads of a person: rows with these, by id, stand for the ORM's people."""


class _Read:
    """A Core row, its columns as attributes; the relations the ORM would load set beside them."""

    __slots__ = ("_row",)

    def __init__(self, row: Any) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)


class PartyRecord(_Read):
    __slots__ = ("person",)

    def __init__(self, row: Any, person: Any | None) -> None:
        super().__init__(row)
        self.person = person


class CaseRecord(_Read):
    __slots__ = ("opened_by", "parties")

    def __init__(self, row: Any, opened_by: Any, parties: list[PartyRecord]) -> None:
        super().__init__(row)
        self.opened_by = opened_by
        self.parties = parties


def case_record(session: Session, case_id: int) -> CaseRecord:
    """The case, its parties in order and the people they name, in three queries; NotFound (with the hint
    `load_case` gives) when there is no such case."""
    row = core_rows(session, select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        raise NotFound(f"there is no case {case_id}: 'redress case list' shows the cases")
    rows = list(core_rows(session, select(parties).where(parties.c.case_id == case_id).order_by(parties.c.id)))
    wanted = {row.opened_by_id} | {p.person_id for p in rows if p.person_id is not None}
    by_id = {p.id: p for p in core_rows(session, select(*PERSON).where(people.c.id.in_(sorted(wanted))))}
    return CaseRecord(
        row,
        by_id[row.opened_by_id],
        [PartyRecord(p, by_id.get(p.person_id) if p.person_id is not None else None) for p in rows],
    )
