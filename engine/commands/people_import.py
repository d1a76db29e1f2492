"""Importing staff from a CSV file (columns name,email,roles; roles separated by ';').

A dry run says what would change. A real run changes everything or nothing: one transaction, refused
whole when any row is bad (each bad row named by its line), and recorded on the school's trail.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.commands import trail
from engine.commands.people import keep_a_manager, known_roles, managers, role_names
from engine.commands.sessions import revoke_all
from engine.context import Redress
from engine.errors import BadInput, RedressError
from engine.rules import inputs
from engine.rules.actions import check_email
from store import Person

COLUMNS = ("name", "email", "roles")
MAX_ROWS = 5000


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    email: str
    roles: tuple[str, ...]


@dataclass
class ImportPlan:
    added: list[Row] = field(default_factory=list)
    changed: list[tuple[Row, tuple[str, ...]]] = field(default_factory=list)
    """Rows whose person exists with other roles, with the roles they have now."""
    unchanged: list[Row] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    """(line number, what is wrong)."""


def _rows(app: Redress, text: str, plan: ImportPlan) -> list[Row]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    if tuple(header) != COLUMNS:
        raise BadInput(f"line 1: the first line must name the columns {','.join(COLUMNS)} (found '{','.join(header)}')")
    rows: list[Row] = []
    seen: set[str] = set()
    known = role_names(app)
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(rows) + len(plan.errors) >= MAX_ROWS:
            raise BadInput(f"line {line}: more than {MAX_ROWS} rows: split the file")
        try:
            if len(values) != len(COLUMNS):
                raise BadInput(f"{len(values)} columns where {len(COLUMNS)} were expected")
            name, email = inputs.name(" ".join(values[0].split()), "the name"), check_email(values[1])
            roles = tuple(known_roles(app, [r.strip() for r in values[2].split(";") if r.strip()], known))
            if email in seen:
                raise BadInput(f"{email} is on an earlier line too")
        except RedressError as exc:
            plan.errors.append((line, str(exc)))
            continue
        seen.add(email)
        rows.append(Row(line, name, email, roles))
    return rows


def _plan(app: Redress, session: Session, text: str) -> tuple[ImportPlan, dict[str, Person]]:
    plan = ImportPlan()
    rows = _rows(app, text, plan)
    existing = {p.email: p for p in session.scalars(select(Person).where(Person.email.in_([r.email for r in rows])))}
    for row in rows:
        person = existing.get(row.email)
        if person is None:
            plan.added.append(row)
        elif not person.active:
            plan.errors.append((row.line, f"{row.email} is inactive in Redress: reactivate them first"))
        elif tuple(person.roles) != row.roles:
            plan.changed.append((row, tuple(person.roles)))
        else:
            plan.unchanged.append(row)
    plan.errors.sort()
    return plan, existing


def import_people(app: Redress, text: str, *, dry_run: bool = False, actor: str | None = None) -> ImportPlan:
    """Add the people of a CSV file and set the roles of those already here; nothing at all when a row is bad."""
    actor = actor or trail.command_line()
    holders = managers(app)
    with app.db.unit_of_work() as session:
        plan, existing = _plan(app, session, text)
        if plan.errors:
            if dry_run:
                return plan
            raise BadInput("nothing was imported: " + "; ".join(f"line {line}: {what}" for line, what in plan.errors))
        if dry_run:
            return plan
        now = app.clock.now()
        for row in plan.added:
            person = Person(name=row.name, email=row.email, roles=list(row.roles), created_at=now)
            session.add(person)
            session.flush()
            trail.record(app, session, actor, trail.ADDED, person, name=row.name, roles=list(row.roles), line=row.line)
        for row, _before in plan.changed:
            _change_roles(app, session, actor, holders, existing[row.email], row)
        trail.record(
            app,
            session,
            actor,
            trail.IMPORTED,
            None,
            added=len(plan.added),
            changed=len(plan.changed),
            unchanged=len(plan.unchanged),
        )
    return plan


def _change_roles(app: Redress, session: Session, actor: str, holders: frozenset[str], person: Person, row: Row) -> None:
    keep_a_manager(session, holders, person, row.roles, active_after=True)
    before = list(person.roles)
    person.roles = list(row.roles)
    session.flush()
    ended = revoke_all(session, person.id, app.clock.now())
    trail.record(
        app, session, actor, trail.ROLES, person, before=before, after=list(row.roles), line=row.line, sessions_ended=ended
    )
