"""Firing due deadlines (invariant 2): claim the pending timers whose time has come and carry each
out through the engine, in the same transaction that marks it fired.

- Claiming: one unit of work takes up to `batch` due timers. On PostgreSQL it first locks their
  cases with `FOR UPDATE SKIP LOCKED`: a case another worker (or a person acting on it) holds is
  left for later, so two workers never fire one timer twice and never wait on each other in a
  cycle. SQLite's write lock (BEGIN IMMEDIATE) serialises workers instead.
- Firing: a reminder queues its template to the deadline's roles or relations, appends a
  `reminder` event by `system`, and, if it repeats, adds the next reminder. An escalation takes
  its action as `system` through `act_in_session`, the same path a person's action takes.
- Each escalation fires inside a SAVEPOINT: a refused escalation (the case moved on, a template
  failed) rolls back to it, and the timer is marked fired with a `deadline_skipped` event saying
  why. A reminder needs none: everything that could refuse it is checked before it writes. The
  batch goes on either way.
- A crash (even SIGKILL) part-way through a batch rolls the whole batch back: its timers are
  still pending, and the next run fires each of them, once. So does a batch PostgreSQL ends to break
  a deadlock (or a serialisation conflict) between two workers: it is tried again, a few times.
- No email is rendered while the batch holds the write lock (engine.commands.notify): each batch is
  first read and fired "on paper" in a read transaction, gathering the emails it will send; they are
  rendered with no transaction open; then the batch is claimed and fired for real. A timer whose
  email was not rendered (its case changed in between) is left pending for the next batch.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from engine.commands import tracks
from engine.commands.cases import SYSTEM_ACTOR, act_in_session
from engine.commands.deadlines import definition
from engine.commands.notify import (
    Collected,
    MissingRenders,
    Renders,
    active_people,
    case_context,
    people_for,
    queue,
    read_urgent_ahead,
)
from engine.context import Redress
from engine.errors import RedressError
from engine.queries.access import read_reached
from engine.rules.access import Power, holders
from engine.rules.links import LIMITATION_DEADLINE, limitation_date
from engine.rules.timing import next_repeat
from engine.worker.readahead import READ_AHEAD_AT, Read, ReadAhead, reads_alike
from store import Case, Person, Timer, audit, later, table_of
from workflows import SYSTEM, Deadline, FieldType, Workflow

log = logging.getLogger("redress.worker")

BUSY_POLL_SECONDS = 0.1
RETRIED_SQLSTATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: the transaction is rolled back, to be tried again."""
DEADLOCK_RETRIES = 5


def _sqlstate(exc: DBAPIError) -> str | None:
    """The SQLSTATE of a driver's error (psycopg: `sqlstate`; psycopg2: `pgcode`), None for SQLite's."""
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)


STALLED_ROUNDS = 3
"""Batches in a row whose every timer was left for want of its email (cases changing under the worker)
before this run gives up; the timers stay pending, for the next run."""


@dataclass(frozen=True)
class DueTimer:
    """A claimed timer, as plain values: the batch changes its row with single UPDATEs and never
    keeps ORM objects of the timers it fires (an escalation's cancelling of its case's pending
    timers would otherwise check every one of them)."""

    id: int
    case_id: int
    stage: str
    deadline: str
    kind: str
    due_at: datetime
    repeat: int
    track: str | None = None
    """The track whose stage the deadline belongs to; None for the case's own."""


@dataclass(frozen=True)
class FireResult:
    """What one run fired. `failed` counts deadlines that could not be carried out (recorded as
    `deadline_skipped` in the case's trail); `cancelled`, timers of cases already closed."""

    fired: int = 0
    reminders: int = 0
    escalations: int = 0
    failed: int = 0
    cancelled: int = 0

    def __add__(self, other: FireResult) -> FireResult:
        return FireResult(
            self.fired + other.fired,
            self.reminders + other.reminders,
            self.escalations + other.escalations,
            self.failed + other.failed,
            self.cancelled + other.cancelled,
        )

    @classmethod
    def of(cls, outcomes: Counter[str]) -> FireResult:
        reminders, escalations, failed = outcomes["reminder"], outcomes["escalation"], outcomes["failed"]
        return cls(reminders + escalations + failed, reminders, escalations, failed, outcomes["cancelled"])

    def summary(self) -> str:
        return (
            f"fired {self.fired} deadline(s): {self.reminders} reminder(s), {self.escalations} escalation(s), "
            f"{self.failed} skipped; {self.cancelled} cancelled"
        )


def fire_due(
    app: Redress,
    now: datetime | None = None,
    batch: int = 200,
    *,
    patience: float = 0.0,
    should_stop: Callable[[], bool] | None = None,
    on_batch: Callable[[FireResult], None] | None = None,
    read_ahead: bool | None = None,
) -> FireResult:
    """Fire every timer due at `now` (default: the clock's now), `batch` per transaction, until none is left.

    Due timers of cases held by another transaction are waited for up to `patience` seconds
    (the long-running worker passes 0: its next wake picks them up). `should_stop` is asked
    between batches, so a stopping worker finishes the batch it is in and no more. `on_batch`, if
    given, is told what each batch fired once its transaction has committed (`redress worker --progress`).
    `read_ahead`: read and render the next batch in a second process while one is written
    (engine.worker.readahead); None decides by how much is due."""
    cutoff = now or app.clock.now()
    held = reminders_held(app, cutoff)
    total = FireResult()
    deadline = time.monotonic() + patience
    stalled = 0
    deadlocks = 0
    ahead = _reader(app, cutoff, held, batch, read_ahead)
    coming = False  # the next batch is being read ahead while this one is written
    try:
        while not (should_stop and should_stop()):
            got = ahead.take(coming) if ahead else None
            read, renders = got or read_batch(app, cutoff, held, batch)
            coming = ahead.submit(read) if ahead and read else False
            try:
                with app.db.unit_of_work() as session, session.no_autoflush:
                    renders.used_in(session)
                    # The cases read (and rendered for), those no other worker took meanwhile.
                    cases, timers = (
                        _claim(app, session, (*_due(cutoff, held), Timer.case_id.in_(read)), batch) if read else ({}, [])
                    )
                    kept = session.info[later.LATER] = later.WriteBehind()  # rows nothing in the batch reads again
                    done = _Batch(app, session, cases, cutoff).fire_all(timers)
                    kept.flush(session.connection())  # in the batch's transaction, before it commits
            except DBAPIError as exc:
                # PostgreSQL may end one of two workers' transactions to break a lock cycle (deadlock, 40P01) or a
                # serialisation conflict (40001): the batch was rolled back whole, its timers are still pending,
                # so it is simply tried again, a few times, after a short random pause.
                deadlocks += 1
                if _sqlstate(exc) not in RETRIED_SQLSTATES or deadlocks > DEADLOCK_RETRIES:
                    raise
                time.sleep(random.uniform(0.05, 0.25))
                continue
            deadlocks = 0
            total += done
            stalled = stalled + 1 if timers and not done.fired and not done.cancelled else 0
            if timers and stalled < STALLED_ROUNDS:
                if on_batch and (done.fired or done.cancelled):
                    on_batch(done)
                continue
            if time.monotonic() >= deadline or not _any_due(app, _due(cutoff, held)):
                break
            time.sleep(BUSY_POLL_SECONDS)
    finally:
        if ahead:
            ahead.close()
    return total


def read_batch(app: Redress, cutoff: datetime, held: bool, batch: int, exclude: list[int] | None = None) -> Read:
    """The read pass of one batch: claim it in a read transaction (locking its cases while it reads, on
    PostgreSQL, so two workers read different cases), fire it on paper, gathering its emails, and render
    them with no transaction open. `exclude`: cases being written meanwhile (engine.worker.readahead)."""
    renders = Renders()
    due = _due(cutoff, held)
    with app.db.reading() as session, session.no_autoflush, renders.collecting_in(session):
        read, timers = _claim(app, session, (*due, Timer.case_id.not_in(exclude)) if exclude else due, batch)
        _Batch(app, session, read, cutoff).fire_all(timers)
    renders.render_wanted(app.renderer)  # no transaction open
    return list(read), renders


def _reader(app: Redress, cutoff: datetime, held: bool, batch: int, wanted: bool | None) -> ReadAhead | None:
    """A reader process for this run (engine.worker.readahead): when asked, or (`wanted` None) when enough
    is due for it to pay for its start and a fresh process would render as this one does."""
    if wanted is False or not reads_alike(app):
        return None
    if wanted is None:
        enough = READ_AHEAD_AT * batch
        with app.db.reading() as session:
            due = select(Timer.id).where(*_due(cutoff, held)).limit(enough).subquery()
            if (session.scalar(select(func.count()).select_from(due)) or 0) < enough:
                return None
    try:
        return ReadAhead(app, cutoff, held, batch)
    except OSError as exc:  # no interpreter to start (an embedded Python, say): the worker reads for itself
        log.warning("reading ahead not started (%s): the worker reads each batch itself", exc)
        return None


def reminders_held(app: Redress, at: datetime) -> bool:
    """Reminders are never sent at night, at weekends or in the holidays. Due times already fall in school
    hours; one that fell due while no worker ran waits for the next school morning (escalations do not wait)."""
    return app.calendar.next_allowed(at) > at


def _due(cutoff: datetime, held: bool) -> tuple[ColumnElement[bool], ...]:
    due = (Timer.status == "pending", Timer.due_at <= cutoff)
    return (*due, Timer.kind != "reminder") if held else due


def earliest_due(app: Redress) -> datetime | None:
    """When the worker should wake: the earliest pending timer, a held reminder counting from when it may go."""
    now = app.clock.now()
    earliest = select(Timer.due_at).where(Timer.status == "pending").order_by(Timer.due_at).limit(1)
    with app.db.reading() as session:
        if not reminders_held(app, now):
            return session.scalar(earliest)
        other = session.scalar(earliest.where(Timer.kind != "reminder"))
        reminder = session.scalar(earliest.where(Timer.kind == "reminder"))
    if reminder is not None:
        reminder = max(reminder, app.calendar.next_allowed(now))
    return min((t for t in (other, reminder) if t is not None), default=None)


def _any_due(app: Redress, due: tuple[ColumnElement[bool], ...]) -> bool:
    with app.db.reading() as session:
        return bool(session.scalar(select(exists().where(*due))))


def _claim(
    app: Redress, session: Session, due: tuple[ColumnElement[bool], ...], batch: int
) -> tuple[dict[int, Case], list[DueTimer]]:
    """Lock up to `batch` cases with due timers (skipping cases others hold) and load them; return
    them by id, with up to `batch` of their due timers, earliest first. (The read pass locks them too,
    for as long as it reads: so two workers' read passes pick different cases.)"""
    locking = select(Case.id).where(Case.id.in_(select(Timer.case_id).where(*due))).order_by(Case.id).limit(batch)
    postgres = app.db.dialect == "postgresql"
    if postgres:
        locking = locking.with_for_update(skip_locked=True)
    case_ids = list(session.scalars(locking))
    if not case_ids:
        return {}, []
    cases = {case.id: case for case in session.scalars(select(Case).where(Case.id.in_(case_ids)))}
    read_reached(session, cases.values())  # whom each case's emails may tell: one query for the batch
    tracks.read_ahead(session, case_ids)  # where each case's tracks stand: one query for the batch
    read_urgent_ahead(session, case_ids)  # who has had an urgent email of each case: one query for the batch
    columns = (Timer.id, Timer.case_id, Timer.stage, Timer.deadline, Timer.kind, Timer.due_at, Timer.repeat, Timer.track)
    timers = select(*columns).where(Timer.case_id.in_(case_ids), *due).order_by(Timer.due_at, Timer.id).limit(batch)
    if postgres:
        timers = timers.with_for_update()
    return cases, [DueTimer(*row) for row in session.execute(timers)]


_timers = table_of(Timer)
# Built once: each is run once per timer fired.
_SET_TIMER = (
    update(_timers)
    .where(_timers.c.id == bindparam("timer_id"))
    .values(status=bindparam("new_status"), fired_at=bindparam("new_fired_at"), paused_at=None, remaining_seconds=None)
)
"""A timer fired or cancelled: whatever an escalation later in its batch did to it while its mark was kept (cancelled
it, paused it with the time it had left), the mark, written at the batch's end, is what it ends as."""
_INSERT_TIMER = insert(_timers)


def spoken(day: date | None) -> str:
    """A date as a letter writes it: 'Monday 14 December 2026'."""
    return f"{day:%A} {day.day} {day:%B %Y}" if day else ""


def deadline_context(app: Redress, case: Case, timer: DueTimer, since: datetime | None = None) -> dict[str, Any]:
    """The `deadline` the email templates read: {name, kind, due, since}, in school time (`since`: when the
    track the deadline belongs to entered its stage, else the case)."""
    return {
        "name": timer.deadline,
        "kind": timer.kind,
        "due": app.local(timer.due_at),
        "since": app.local(since or case.stage_entered_at),
    }


def automatic_reasons(spec: Workflow, timer: DueTimer, action_name: str, due: str) -> dict[str, str]:
    """The answers the system gives an escalation's required text fields (the reason a decision is recorded
    with): that no one took the next step before the deadline passed. Other fields are left to the action's rules."""
    procedure = spec if timer.track is None else spec.tracks[timer.track]
    action = procedure.actions.get(action_name)
    if action is None:
        return {}
    said = f"no one took the next step in time: the deadline '{timer.deadline.replace('_', ' ')}' passed on {due}"
    return {name: said for name, field in action.fields.items() if field.required and field.type is FieldType.TEXT}


def _stage_now(session: Session, case: Case, timer: DueTimer) -> tuple[str | None, datetime | None]:
    """The stage the timer's procedure stands at now (None: its track is not running), and since when."""
    if timer.track is None:
        return case.stage, case.stage_entered_at
    row = tracks.load(session, case.id).get(timer.track)
    return (row.stage, row.stage_entered_at) if row is not None and row.running else (None, None)


class _Batch:
    """One transaction's claimed timers, fired one by one; each escalation inside its own SAVEPOINT."""

    def __init__(self, app: Redress, session: Session, cases: dict[int, Case], cutoff: datetime):
        self.app, self.session, self.cases, self.cutoff = app, session, cases, cutoff
        self.escalated: set[tuple[int, str | None]] = set()
        renders: Renders | None = session.info.get("renders")
        self.reading = renders is not None and renders.collecting
        """The read pass: fire on paper, gathering the emails, writing nothing."""

    def fire_all(self, timers: list[DueTimer]) -> FireResult:
        outcomes: Counter[str] = Counter()
        for timer in timers:
            # An escalation earlier in this batch moved the case (or the track) on and cancelled its stage's other timers.
            if (timer.case_id, timer.track) not in self.escalated:
                outcomes[self.fire(timer)] += 1
        return FireResult.of(outcomes)

    def fire(self, timer: DueTimer) -> str:
        """Fire one timer; returns what it became: reminder, escalation, failed or cancelled (or deferred:
        left pending, its email not rendered)."""
        try:
            return self._fire(timer)
        except Collected:  # the read pass: this timer's emails are gathered
            if timer.kind == "escalation":
                self.escalated.add((timer.case_id, timer.track))
            return "deferred"
        except MissingRenders:  # its savepoint, if any, undid what it wrote, and what it kept went too (carry_out)
            self.session.expire(self.cases[timer.case_id])
            return "deferred"

    def _fire(self, timer: DueTimer) -> str:
        case = self.cases[timer.case_id]
        if case.closed_at is not None:
            self._set(timer, "cancelled")
            return "cancelled"
        spec = self.app.compiled(case.workflow_id).spec
        if timer.deadline == LIMITATION_DEADLINE:  # no workflow's deadline: the case's stage does not matter
            self.remind_limitation(spec, case, timer)
            return "reminder"
        deadline = definition(spec, case, timer.track, timer.stage, timer.deadline)
        if deadline is None:
            return self.skip(case, timer, f"the workflow has no deadline '{timer.deadline}' at '{timer.stage}'")
        stage, since = _stage_now(self.session, case, timer)
        if stage != timer.stage:
            where = f"'{stage}'" if stage else "its end"
            return self.skip(
                case,
                timer,
                f"the {'case' if timer.track is None else timer.track + ' track'} has moved on from '{timer.stage}' to {where}",
            )
        if self.reading:
            return self.on_paper(spec, case, timer, deadline, since)
        return self.carry_out(spec, case, timer, deadline, since)

    def carry_out(self, spec: Workflow, case: Case, timer: DueTimer, deadline: Deadline, since: datetime | None) -> str:
        """The write pass: the reminder or the escalation, for real; a refusal skips the deadline, saying why."""
        kept = later.write_behind(self.session)
        mark = kept.mark() if kept else {}
        try:
            if deadline.escalate:
                # An action may be refused after it has started writing (a template, say): a savepoint undoes it.
                # On the connection: nothing is flushed inside it, and the ORM's savepoint costs more than the action.
                # The action cancels (or pauses) the case's pending timers, this one among them while its mark is kept
                # for the end of the batch: the mark, written last, leaves it fired (`_set`).
                with self.session.connection().begin_nested():
                    self._set(timer, "fired")
                    self.escalate(spec, case, timer, deadline.escalate, since)
            else:
                self.remind(spec, case, timer, deadline, since)  # refused, if at all, before it writes anything
        except (RedressError, MissingRenders) as exc:
            # The savepoint undid the escalation's writes; what it kept for the end goes too.
            if kept:
                kept.undo(mark)
            if isinstance(exc, MissingRenders):
                raise
            self.session.expire(case)  # the case object forgets the move it was shown
            return self.skip(case, timer, str(exc))
        if deadline.escalate:
            self.escalated.add((case.id, timer.track))
        return deadline.kind

    def on_paper(self, spec: Workflow, case: Case, timer: DueTimer, deadline: Deadline, since: datetime | None) -> str:
        """The read pass: carry the deadline out as far as its emails (Collected), writing nothing."""
        try:
            if deadline.escalate:
                self.escalate(spec, case, timer, deadline.escalate, since)
            else:
                self.remind(spec, case, timer, deadline, since)
        except RedressError:
            return "failed"  # refused: the write pass refuses it again, and says why
        return "deferred"

    def _set(self, timer: DueTimer, status: str) -> None:
        """Mark the timer fired or cancelled, kept for the end of the batch (store.later): nothing later in the
        batch asks whether it fired (each timer is fired once), and what an escalation of its case does to the
        case's pending timers meanwhile is undone by the mark (_SET_TIMER)."""
        if self.reading:
            return
        fired_at = self.app.clock.now() if status == "fired" else None
        later.write(self.session, _SET_TIMER, {"timer_id": timer.id, "new_status": status, "new_fired_at": fired_at})

    def recipients(self, case: Case, who: tuple[str, ...]) -> list[Person]:
        """The people a reminder goes to: the roles or relations the deadline names and the case's owner, once
        each (people_for reads the school's people once per transaction)."""
        people = people_for(self.session, case, who)
        if case.owner_id is not None and all(p.id != case.owner_id for p in people):
            people += [p for p in active_people(self.session) if p.id == case.owner_id]
        return people

    def remind(self, spec: Workflow, case: Case, timer: DueTimer, deadline: Deadline, since: datetime | None) -> None:
        app, now = self.app, self.app.clock.now()
        context = {
            "case": case_context(app, spec, case),
            "actor": None,
            "action": None,
            "reason": None,
            "deadline": {**deadline_context(app, case, timer, since), "repeats": deadline.repeat is not None},
        }
        queued = queue(app, self.session, case, deadline.template, self.recipients(case, deadline.remind), context)
        if self.reading:
            raise Collected
        self._set(timer, "fired")
        next_due = None
        if deadline.repeat is not None:
            next_due = next_repeat(app.calendar, timer.due_at, deadline.repeat, max(now, self.cutoff))
            self.session.connection().execute(
                _INSERT_TIMER,
                {
                    "case_id": case.id,
                    "stage": timer.stage,
                    "deadline": timer.deadline,
                    "kind": timer.kind,
                    "due_at": next_due,
                    "status": "pending",
                    "repeat": timer.repeat + 1,
                    "created_at": now,
                    "track": timer.track,
                },
            )
        audit.remark(
            self.session,
            case,
            at=now,
            actor=SYSTEM,
            kind="reminder",
            track=timer.track,
            data={
                "deadline": timer.deadline,
                "repeat": timer.repeat,
                "due_at": timer.due_at.isoformat(),
                "notified": [deadline.template] if queued else [],
                "next_due": next_due.isoformat() if next_due else None,
            },
            head=audit.Head(case.head_seq, case.head_hash),  # the case was read and locked by the claim
        )

    def remind_limitation(self, spec: Workflow, case: Case, timer: DueTimer) -> None:
        """Tell the headteacher (those who see every case) that a defamation claim about the post runs out of time
        in a month; a `reminder` event by `system`, as every reminder has."""
        app, now = self.app, self.app.clock.now()
        published = case.first_published_on
        context = {
            "case": case_context(app, spec, case),
            "first_published_on": spoken(published),
            "limitation_date": spoken(limitation_date(published)) if published else "",
        }
        wanted = holders(app.current_workflow(self.session).spec, Power.SEE_EVERY_CASE)
        people = [p for p in active_people(self.session) if wanted & set(p.roles)]
        queued = queue(app, self.session, case, LIMITATION_DEADLINE, people, context) if published else 0
        if self.reading:
            raise Collected
        self._set(timer, "fired")
        audit.remark(
            self.session,
            case,
            at=now,
            actor=SYSTEM,
            kind="reminder",
            data={
                "deadline": timer.deadline,
                "repeat": timer.repeat,
                "due_at": timer.due_at.isoformat(),
                "notified": [LIMITATION_DEADLINE] if queued else [],
                "next_due": None,
                "limitation_date": limitation_date(published).isoformat() if published else None,
            },
        )

    def escalate(self, spec: Workflow, case: Case, timer: DueTimer, action: str, since: datetime | None) -> None:
        act_in_session(
            self.app,
            self.session,
            case,
            action,
            SYSTEM_ACTOR,
            automatic_reasons(spec, timer, action, self.app.local(timer.due_at)),
            None,
            None,
            {"deadline": timer.deadline, "due_at": timer.due_at.isoformat()},
            notify_context={"deadline": deadline_context(self.app, case, timer, since)},
        )

    def skip(self, case: Case, timer: DueTimer, reason: str) -> str:
        """The deadline cannot be carried out: mark it fired all the same (it is never retried) and say why."""
        if self.reading:
            return "failed"
        self._set(timer, "fired")
        audit.remark(
            self.session,
            case,
            at=self.app.clock.now(),
            actor=SYSTEM,
            kind="deadline_skipped",
            track=timer.track,
            data={"deadline": timer.deadline, "kind": timer.kind, "reason": reason},
        )
        return "failed"
