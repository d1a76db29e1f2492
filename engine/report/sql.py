"""The monitoring report's queries: every figure is a GROUP BY in the database, never 100,000 rows in Python.

`gather_stays_beside` runs the heaviest query (the stays, over the whole audit trail) on a second
connection while the others run: on PostgreSQL both read one exported snapshot; SQLite cannot share
one, so there the two read transactions merely start together.

Durations in school days are computed in the database too: the `DayIndex` goes into a temporary
table `report_days` (key, day, idx) and each instant is joined to it by a key the database can
compute. PostgreSQL converts the instant to the school's zone itself (`AT TIME ZONE`), so the key
is the local date. SQLite stores UTC text ('YYYY-MM-DD HH:MM:SS...') and knows no time zones, so
the key is the UTC hour (see DayIndex.utc_keys), which maps to exactly one local date in the UK.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, Text, and_, case, cast, column, distinct, func, or_, select, table, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.report.days import DayIndex
from engine.rules.links import LIMITATION_DEADLINE
from store import AuditEvent, Case, CaseLink, Database, Timer
from workflows import SYSTEM

DAYS = table("report_days", column("key"), column("day", Integer), column("idx", Integer))


@dataclass(frozen=True)
class Window:
    """The report's period as instants: from `start` (included) to `end` (excluded), in UTC."""

    start: datetime
    end: datetime

    def holds(self, at: Any) -> ColumnElement[bool]:
        return and_(at >= self.start, at < self.end)


@dataclass(frozen=True)
class Totals:
    opened: int
    closed: int
    still_open: int
    removal_confirmed: int


@dataclass(frozen=True)
class Plan:
    """What every query of one report shares: the period, the day index, the zone."""

    window: Window
    index: DayIndex
    zone: ZoneInfo
    narrow: bool
    """The period leaves out part of the history: the stays need only the cases alive in it."""


class ReportQueries:
    """The queries of one report, in one read transaction, over one temporary day index."""

    def __init__(self, session: Session, plan: Plan) -> None:
        self.session, self.window, self.zone, self.narrow = session, plan.window, plan.zone, plan.narrow
        self.dialect = session.get_bind().dialect.name
        self._width = self._load_days(plan.index)

    def _load_days(self, index: DayIndex) -> int:
        if self.dialect == "postgresql":
            self.session.execute(
                text(
                    "CREATE TEMP TABLE report_days (key DATE PRIMARY KEY, day INTEGER NOT NULL, "
                    "idx INTEGER NOT NULL) ON COMMIT DROP"
                )
            )
            rows: Iterable[tuple[Any, int, int]] = [(day, day.toordinal(), n) for day, n in index.days()]
            width = 0
        else:
            self.session.execute(text("DROP TABLE IF EXISTS temp.report_days"))
            self.session.execute(
                text(
                    "CREATE TEMP TABLE report_days (key TEXT PRIMARY KEY, day INTEGER NOT NULL, "
                    "idx INTEGER NOT NULL) WITHOUT ROWID"
                )
            )
            width, rows = index.utc_keys(self.zone)
        mark = "%s" if self.dialect == "postgresql" else "?"
        self.session.connection().exec_driver_sql(
            f"INSERT INTO report_days (key, day, idx) VALUES ({mark}, {mark}, {mark})", list(rows)
        )
        if self.dialect == "postgresql":
            self.session.execute(text("ANALYZE report_days"))
        return width

    def close(self) -> None:
        if self.dialect != "postgresql":  # PostgreSQL drops it when the transaction ends
            self.session.execute(text("DROP TABLE IF EXISTS temp.report_days"))

    def key(self, at: Any) -> Any:
        """The `report_days.key` of a stored instant."""
        if self.dialect == "postgresql":
            return cast(func.timezone(self.zone.key, at), Date)
        return func.substr(at, 1, self._width)

    # Counts of cases

    def totals(self) -> Totals:
        w = self.window
        opened = w.holds(Case.opened_at)
        removed = Case.facts["removal_confirmed"].as_boolean().is_(True)
        row = self.session.execute(
            select(
                func.count().filter(opened),
                func.count().filter(w.holds(Case.closed_at)),
                func.count().filter(and_(Case.opened_at < w.end, or_(Case.closed_at.is_(None), Case.closed_at >= w.end))),
                func.count().filter(and_(opened, removed)),
            )
        ).one()
        return Totals(*(int(n or 0) for n in row))

    def categories(self) -> Counter[str]:
        """Each case counts once under each of its categories (the lists are grouped before expanding)."""
        as_text = cast(Case.categories, Text)
        rows = self.session.execute(select(as_text, func.count()).where(self.window.holds(Case.opened_at)).group_by(as_text))
        counts: Counter[str] = Counter()
        for listed, n in rows:
            for category in set(json.loads(listed)):
                counts[category] += n
        return counts

    def stages(self) -> Counter[str]:
        query = select(Case.stage, func.count()).where(self.window.holds(Case.opened_at)).group_by(Case.stage)
        return Counter({str(stage): int(n) for stage, n in self.session.execute(query)})

    def outcomes(self) -> Counter[str]:
        query = select(Case.outcome, func.count()).where(self.window.holds(Case.closed_at)).group_by(Case.outcome)
        return Counter({outcome or "": n for outcome, n in self.session.execute(query)})

    def opened_by_day(self) -> Counter[int]:
        """Cases opened on each local date (as an ordinal)."""
        query = (
            select(DAYS.c.day, func.count())
            .select_from(Case)
            .join(DAYS, DAYS.c.key == self.key(Case.opened_at))
            .where(self.window.holds(Case.opened_at))
            .group_by(DAYS.c.day)
        )
        return Counter({day: n for day, n in self.session.execute(query)})

    # Audit trail and deadlines

    def arrivals(self, stages: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Per stage: the cases that entered it in the period, and how many of them the system moved there."""
        automatic = case((AuditEvent.actor == SYSTEM, AuditEvent.case_id))
        query = (
            select(AuditEvent.stage_after, func.count(distinct(AuditEvent.case_id)), func.count(distinct(automatic)))
            .where(AuditEvent.kind == "action", self.window.holds(AuditEvent.at), AuditEvent.stage_after.in_(list(stages)))
            .group_by(AuditEvent.stage_after)
        )
        return {str(stage): (int(n), int(system)) for stage, n, system in self.session.execute(query)}

    def missed(self) -> tuple[Counter[str], int]:
        """Fired timers that fell due in the period, by kind; and how many cases had one."""
        row = self.session.execute(
            select(
                func.count().filter(Timer.kind == "reminder"),
                func.count().filter(Timer.kind == "escalation"),
                func.count(distinct(Timer.case_id)),
            ).where(Timer.status == "fired", self.window.holds(Timer.due_at), Timer.deadline != LIMITATION_DEADLINE)
        ).one()
        return Counter({"reminder": int(row[0] or 0), "escalation": int(row[1] or 0)}), int(row[2] or 0)

    # Repeat posters

    def repeat_posters(self) -> tuple[int, int]:
        """Posters with two or more cases linked by poster (each group of cases joined by 'poster' links, however
        indirectly), among those with a case opened in the period; and how many of their cases were opened in it."""
        pairs = self.session.execute(select(CaseLink.case_id, CaseLink.other_id).where(CaseLink.basis == "poster")).all()
        groups = poster_groups((int(a), int(b)) for a, b in pairs)
        if not groups:
            return 0, 0
        members = sorted({case_id for group in groups for case_id in group})
        opened: set[int] = set()
        for start in range(0, len(members), 500):
            chunk = members[start : start + 500]
            opened |= set(self.session.scalars(select(Case.id).where(Case.id.in_(chunk), self.window.holds(Case.opened_at))))
        touched = [group for group in groups if group & opened]
        return len(touched), sum(len(group & opened) for group in touched)

    # Durations in school days

    def resolution(self) -> Counter[int]:
        """School days from report to closing, for the cases closed in the period: days -> cases."""
        opened, closed = DAYS.alias("opened"), DAYS.alias("closed")
        days = (closed.c.idx - opened.c.idx).label("days")
        query = (
            select(days, func.count())
            .select_from(Case)
            .join(opened, opened.c.key == self.key(Case.opened_at))
            .join(closed, closed.c.key == self.key(Case.closed_at))
            .where(self.window.holds(Case.closed_at))
            .group_by(days)
        )
        return Counter({int(n_days): int(n) for n_days, n in self.session.execute(query)})

    def stays(self) -> dict[str, Counter[int]]:
        """School days spent in each stage, for the stays that ended in the period: stage -> days -> stays.

        A stay runs from the event that brought the case into the stage (it opened, or an action) to
        the next action; events in between (evidence, notes, reminders) do not end it. Each event is
        joined to its day first, so the window function pairs neighbours by their school-day index.
        """
        # On SQLite, `kind || ''` keeps the planner off the kind-led ix_audit_arrivals (which would need a sort): it then
        # reads the covering ix_audit_stays in chain order, as PostgreSQL does by itself.
        kind = AuditEvent.kind + "" if self.dialect == "sqlite" else AuditEvent.kind
        in_chain = (
            select(
                AuditEvent.stage_before,
                AuditEvent.at.label("left_at"),
                (DAYS.c.idx - func.lag(DAYS.c.idx).over(partition_by=AuditEvent.case_id, order_by=AuditEvent.seq)).label("days"),
            )
            .join_from(AuditEvent, DAYS, DAYS.c.key == self.key(AuditEvent.at))
            .where(kind.in_(("opened", "action")))
        )
        if self.narrow:
            alive = and_(Case.opened_at < self.window.end, or_(Case.closed_at.is_(None), Case.closed_at >= self.window.start))
            in_chain = in_chain.where(AuditEvent.case_id.in_(select(Case.id).where(alive)))
        moves = in_chain.subquery()
        query = (
            select(moves.c.stage_before, moves.c.days, func.count())
            .where(moves.c.stage_before.is_not(None), self.window.holds(moves.c.left_at))
            .group_by(moves.c.stage_before, moves.c.days)
        )
        out: dict[str, Counter[int]] = defaultdict(Counter)
        for stage, n_days, n in self.session.execute(query):
            out[stage][int(n_days)] += int(n)
        return dict(out)


_SNAPSHOT = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")


def poster_groups(pairs: Iterable[tuple[int, int]]) -> list[set[int]]:
    """The groups of cases the links join (union-find): each a poster's cases."""
    parent: dict[int, int] = {}

    def root(n: int) -> int:
        parent.setdefault(n, n)
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b in pairs:
        parent[root(a)] = root(b)
    found: dict[int, set[int]] = {}
    for n in list(parent):
        found.setdefault(root(n), set()).add(n)
    return [group for group in found.values() if len(group) >= 2]


def share_snapshot(session: Session, snapshot: str | None) -> str | None:
    """PostgreSQL: begin REPEATABLE READ, then adopt `snapshot` or export this transaction's own."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    if snapshot is None:
        return str(session.scalar(text("SELECT pg_export_snapshot()")))
    if not _SNAPSHOT.match(snapshot):
        raise ValueError(f"not a PostgreSQL snapshot id: {snapshot!r}")
    session.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))  # a utility command: no bind parameters
    return snapshot


@contextmanager
def report_queries(db: Database, plan: Plan, snapshot: str | None = None) -> Iterator[tuple[ReportQueries, str | None]]:
    with db.reading() as session:
        shared = share_snapshot(session, snapshot)
        queries = ReportQueries(session, plan)
        try:
            yield queries, shared
        finally:
            queries.close()


def _stays_alone(db: Database, plan: Plan, snapshot: str | None) -> dict[str, Counter[int]]:
    with report_queries(db, plan, snapshot) as (queries, _):
        return queries.stays()


def gather_stays_beside(db: Database, plan: Plan, others: Callable[[ReportQueries], Any]) -> tuple[Any, dict[str, Counter[int]]]:
    """(others(queries), the stays): the stays computed on a second connection at the same time."""
    with report_queries(db, plan) as (queries, snapshot), ThreadPoolExecutor(max_workers=1) as pool:
        stays = pool.submit(_stays_alone, db, plan, snapshot)
        return others(queries), stays.result()
