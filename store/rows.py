"""Loading a case, its parties and their people, and the tracks it started, from one Core statement built
once, into the session as if the ORM had loaded them: for the action path, which reads a case in each of
its passes (one, or two when the action sends email), and where the ORM's loading (its row processors,
rebuilt for every query, and the joined eager loads of three relationships) cost more than the rest of it.

The objects are the mapped classes, persistent in the session, with every column loaded and the
relationships the action path reads (`Case.parties`, `Case.opened_by`, `Party.person`, `Party.case`) set
as committed values: changing one and flushing works as for an object the ORM loaded (the version
check included). An object the session already holds (by its identity) is used as it is, as the
ORM's own loading does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlalchemy.orm.util import identity_key

from .models import Base, Case, CaseTrack, Party, Person, table_of

_cases, _parties, _people, _tracks = table_of(Case), table_of(Party), table_of(Person), table_of(CaseTrack)
_opener = _people.alias("opener")
_party_person = _people.alias("party_person")


def _attributes(model: type[Base]) -> list[str]:
    """The model's attribute for each column of its table, in the table's order (a Core row's)."""
    mapper = model.__mapper__
    return [mapper.get_property_by_column(column).key for column in table_of(model).columns]


_CASE_COLUMNS, _PARTY_COLUMNS, _PERSON_COLUMNS = _attributes(Case), _attributes(Party), _attributes(Person)

_TRACK_COLUMNS = (
    _tracks.c.id,
    _tracks.c.track,
    _tracks.c.stage,
    _tracks.c.started_at,
    _tracks.c.stage_entered_at,
    _tracks.c.finished_at,
)
# Built once: the case, who opened it, its parties in id order (as Case.parties is ordered) and their people, and the
# tracks it started (a case has a few parties and fewer tracks: the rows are their product, each part read once).
_CASE_WITH_PARTIES: Select[Any] = (
    select(_cases, _opener, _parties, _party_person, *_TRACK_COLUMNS)
    .select_from(
        _cases.outerjoin(_opener, _opener.c.id == _cases.c.opened_by_id)
        .outerjoin(_parties, _parties.c.case_id == _cases.c.id)
        .outerjoin(_party_person, _party_person.c.id == _parties.c.person_id)
        .outerjoin(_tracks, _tracks.c.case_id == _cases.c.id)
    )
    .where(_cases.c.id == bindparam("case_id"))
    .order_by(_parties.c.id, _tracks.c.id)
)
_A = len(_CASE_COLUMNS)
_B = _A + len(_PERSON_COLUMNS)
_C = _B + len(_PARTY_COLUMNS)
_D = _C + len(_PERSON_COLUMNS)
_CASE_PART, _OPENER_PART, _PARTY_PART, _PARTY_PERSON_PART, _TRACK_PART = (
    slice(0, _A),
    slice(_A, _B),
    slice(_B, _C),
    slice(_C, _D),
    slice(_D + 1, None),  # (without the track's id)
)

T = TypeVar("T", bound=Base)


def case_with_parties(session: Session, case_id: int) -> Case | None:
    """The case with its parties (and their people) and who opened it, in one statement; None if there is none.
    A case the session already holds is returned as it is, with no statement (as `session.get` does)."""
    found = case_parties_and_tracks(session, case_id)
    return None if found is None else found[0]


def case_parties_and_tracks(session: Session, case_id: int) -> tuple[Case, list[tuple[Any, ...]] | None] | None:
    """`case_with_parties`, and the tracks the case started as that statement read them, in the order they were
    started: (track, stage, started_at, stage_entered_at, finished_at) each; None for the tracks when the session
    already held the case (nothing was read)."""
    known = _known(session, Case, case_id)
    if known is not None:
        return known, None
    rows = session.connection().execute(_CASE_WITH_PARTIES, {"case_id": case_id}).all()
    if not rows:
        return None
    case = _made(Case, _CASE_COLUMNS, rows[0][_CASE_PART])
    opener_values = rows[0][_OPENER_PART]
    people: dict[int, Person] = {}
    opener = None if opener_values[0] is None else _person(session, opener_values, people)
    parties: dict[int, Party] = {}
    tracks: dict[int, tuple[Any, ...]] = {}
    for row in rows:
        values = row[_PARTY_PART]
        if values[0] is not None and values[0] not in parties:  # (None: the outer join found no party)
            party = _known(session, Party, values[0])
            if party is None:
                party = _made(Party, _PARTY_COLUMNS, values)
                person = row[_PARTY_PERSON_PART]
                set_committed_value(party, "person", None if person[0] is None else _person(session, person, people))
                set_committed_value(party, "case", case)
            parties[values[0]] = party
        track_id = row[_D]
        if track_id is not None:
            tracks.setdefault(track_id, tuple(row[_TRACK_PART]))
    set_committed_value(case, "opened_by", opener)
    set_committed_value(case, "parties", list(parties.values()))
    made = [case, *(p for p in parties.values() if instance_state(p).key is None), *people.values()]
    _attach(session, made, [case])  # its parties and people follow it in (the save-update cascade)
    return case, [tracks[key] for key in sorted(tracks)]


def _person(session: Session, values: Sequence[Any], made: dict[int, Person]) -> Person:
    """The person these values are of: as the session holds them, or as made earlier in this load, or made now."""
    found = made.get(values[0]) or _known(session, Person, values[0])
    if found is None:
        found = made[values[0]] = _made(Person, _PERSON_COLUMNS, values)
    return found


def _known(session: Session, model: type[T], key: Any) -> T | None:
    found: T | None = session.identity_map.get(identity_key(model, key))
    return found


def _made(model: type[T], columns: list[str], values: Sequence[Any]) -> T:
    """A mapped object holding these column values as loaded from the database (nothing for a flush to write)."""
    obj: T = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(zip(columns, values, strict=True))
    return obj


def _attach(session: Session, made: Iterable[Base], roots: Iterable[Base]) -> None:
    """Put the objects made here into the session as persistent, with no SQL: each is given its identity (as
    if loaded), then `roots` are added, which brings in every made object they refer to."""
    for obj in made:
        make_transient_to_detached(obj)
    for obj in roots:
        session.add(obj)
