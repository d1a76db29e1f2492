"""A generated history of cases, written straight to the tables in bulk: for the report tests and benchmark.

Deterministic from its seed. Every case walks the workflow from its initial stage one action at a
time, with random gaps between actions; when a stage outlasts a deadline, the deadline fires as the
worker would (a reminder: a fired timer and a 'reminder' event; an escalation: the system takes
the escalation action). The generator keeps its own record of what it wrote (stays, timers,
outcomes, facts) so that a test can count the expected figures without the report's code.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from engine.context import Redress
from store import AuditEvent, Case, Party, Person, Timer, audit
from workflows import Deadline, Workflow
from workflows.spec import Duration, Unit

# How likely each action is, against the others open at that stage (the rest weigh DEFAULT_WEIGHT).
WEIGHTS = {
    "escalate_to_chair": 1.6,
    "refer_to_authorities": 0.5,
    "redirect_to_complaints": 0.7,
    "close_no_action": 0.7,
}
DEFAULT_WEIGHT = 6.0
MEAN_GAP_DAYS = 3.5
# Stages with nothing above them: cases wait there for weeks.
LONG_WAITS = {"chair_meeting": 20.0, "way_forward": 25.0, "legal_advice": 60.0, "referred_to_authorities": 45.0}
# Names and summaries no report may ever show (the end-to-end test looks for them).
POSTER_NAMES = ["Zebedee Quarrington", "Philippa Vantongeren", "Marmaduke Oyelaran", "Ottoline Prewett"]
SUMMARY = "{poster} posted that Mr Featherstonehaugh {what} in the {place}"
WHATS = ["steals from pupils", "cannot teach", "is a disgrace", "should be sacked"]
PLACES = ["parents' Facebook group", "class WhatsApp group", "village forum"]


@dataclass
class Stay:
    stage: str
    entered: datetime
    left: datetime | None


@dataclass
class GeneratedCase:
    id: int
    categories: list[str]
    opened_at: datetime
    summary: str
    poster: str
    stage: str
    closed_at: datetime | None = None
    outcome: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    stays: list[Stay] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    timers: list[dict[str, Any]] = field(default_factory=list)


def approx(duration: Duration) -> timedelta:
    """A deadline's length in calendar time: a school week is seven days (the report never reads due dates)."""
    if duration.unit is Unit.SCHOOL_DAYS:
        return timedelta(days=duration.amount * 7 / 5)
    return timedelta(days=duration.amount) if duration.unit is Unit.DAYS else timedelta(hours=duration.amount)


@dataclass
class HistoryGenerator:
    spec: Workflow
    start: datetime
    end: datetime
    """No event happens at or after `end` (the app's "now")."""
    workflow_id: int
    head: tuple[int, str]
    """(id, email) of the person who opens cases and takes the actions."""
    seed: int = 7
    wait_scale: float = 1.0
    """Scales the long waits (fewer repeated reminders when smaller)."""
    busy: float = 0.4
    """The chance of each kind of in-between event (evidence, meeting, note) in a stay."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.category_names = list(self.spec.categories)

    def cases(self, count: int, first_id: int = 1) -> Iterator[GeneratedCase]:
        """`count` cases opened evenly over [start, end), oldest first; each category is first on some case."""
        span = self.end - self.start
        for n in range(count):
            opened = self.start + span * ((n + self.rng.random() * 0.9) / count)
            yield self._walk(first_id + n, opened, self.category_names[n % len(self.category_names)])

    def _walk(self, case_id: int, opened: datetime, first_category: str) -> GeneratedCase:
        rng = self.rng
        extra = rng.sample(self.category_names, rng.choice([0, 0, 0, 1, 2]))
        poster = rng.choice(POSTER_NAMES)
        summary = SUMMARY.format(poster=poster, what=rng.choice(WHATS), place=rng.choice(PLACES))
        case = GeneratedCase(
            case_id, list(dict.fromkeys([first_category, *extra])), opened, summary, poster, self.spec.initial_stage
        )
        self._event(case, opened, "opened", stage_after=case.stage, data={"categories": case.categories})
        at = opened
        while not self.spec.is_final(case.stage):
            left = self._step(case, at)
            if left is None:
                break
            at = left
        case.events.sort(key=lambda e: e["at"])
        for seq, event in enumerate(case.events, start=1):
            event["seq"] = seq
        return case

    def _step(self, case: GeneratedCase, entered: datetime) -> datetime | None:
        """Leave the current stage (returns when), or stay in it until `end` (returns None)."""
        stage = self.spec.stages[case.stage]
        mean = LONG_WAITS[case.stage] * self.wait_scale if case.stage in LONG_WAITS else MEAN_GAP_DAYS
        chosen_at = entered + timedelta(days=max(self.rng.expovariate(1 / mean), 0.004))
        escalation = next((d for d in stage.deadlines if d.escalate), None)
        escalate_at = entered + approx(escalation.after) if escalation else None
        if escalation and escalate_at and escalate_at < min(chosen_at, self.end):
            leave_at, action, actor = escalate_at, str(escalation.escalate), None
        elif chosen_at >= self.end:
            case.stays.append(Stay(case.stage, entered, None))
            self._deadlines(case, entered, None)
            return None
        else:
            leave_at, action, actor = chosen_at, self._choose(case), self.head
        self._busy_work(case, entered, leave_at)
        case.stays.append(Stay(case.stage, entered, leave_at))
        self._deadlines(case, entered, leave_at)
        self._act(case, action, leave_at, actor, escalation)
        return leave_at

    def _choose(self, case: GeneratedCase) -> str:
        names = [a for a in self.spec.actions_from(case.stage) if a != "resolve" or case.facts.get("removal_confirmed")]
        return self.rng.choices(names, [WEIGHTS.get(a, DEFAULT_WEIGHT) for a in names])[0]

    def _act(
        self, case: GeneratedCase, name: str, at: datetime, actor: tuple[int, str] | None, escalation: Deadline | None
    ) -> None:
        action = self.spec.actions[name]
        fields: dict[str, Any] = {}
        if "removal_confirmed" in action.fields:
            fields["removal_confirmed"] = self.rng.random() < 0.6
        case.facts.update(fields)
        data = {"fields": fields, "deadline": escalation.name if actor is None and escalation else None}
        before, case.stage = case.stage, action.to
        self._event(case, at, "action", actor=actor, action=name, stage_before=before, stage_after=case.stage, data=data)
        if self.spec.is_final(case.stage):
            case.closed_at, case.outcome = at, action.outcome or self.spec.stages[case.stage].title

    def _busy_work(self, case: GeneratedCase, entered: datetime, left: datetime) -> None:
        """Evidence, meetings and notes in between: events the report must step over."""
        for kind in ("evidence", "meeting", "note"):
            if self.rng.random() < self.busy:
                self._event(case, entered + (left - entered) * self.rng.random(), kind, data={"text": case.summary})

    def _deadlines(self, case: GeneratedCase, entered: datetime, left: datetime | None) -> None:
        """The timers of one stay: fired while the case waited, then cancelled (it left) or pending (it waits)."""
        stop = left or self.end
        for deadline in self.spec.stages[case.stage].deadlines:
            due, repeat = entered + approx(deadline.after), 0
            while due < stop or (deadline.escalate and due == left):
                self._timer(case, deadline, due, "fired", repeat)
                if deadline.escalate:
                    break
                self._event(case, due, "reminder", data={"deadline": deadline.name, "repeat": repeat})
                if deadline.repeat is None:
                    break
                due, repeat = due + approx(deadline.repeat), repeat + 1
            else:
                self._timer(case, deadline, due, "cancelled" if left else "pending", repeat)

    def _timer(self, case: GeneratedCase, deadline: Deadline, due: datetime, status: str, repeat: int) -> None:
        case.timers.append(
            {
                "case_id": case.id,
                "stage": case.stage,
                "deadline": deadline.name,
                "kind": deadline.kind,
                "due_at": due,
                "status": status,
                "repeat": repeat,
                "created_at": case.opened_at,
                "fired_at": due if status == "fired" else None,
            }
        )

    def _event(
        self,
        case: GeneratedCase,
        at: datetime,
        kind: str,
        *,
        actor: tuple[int, str] | None = None,
        action: str | None = None,
        stage_before: str | None = None,
        stage_after: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        who = actor if kind == "action" else self.head if kind != "reminder" else None
        case.events.append(
            {
                "case_id": case.id,
                "seq": 0,
                "at": at,
                "actor_id": who[0] if who else None,
                "actor": who[1] if who else "system",
                "kind": kind,
                "action": action,
                "stage_before": stage_before,
                "stage_after": stage_after,
                "data": data or {},
                "prev_hash": "",
                "hash": "",
                "track": None,
            }
        )


def chain(events: list[dict[str, Any]]) -> None:
    """Fill in the audit chain's hashes, as the engine would have."""
    prev = audit.GENESIS
    for event in events:
        event["prev_hash"] = prev
        event["hash"] = prev = audit.event_hash(prev, SimpleNamespace(**event))  # type: ignore[arg-type]


def case_row(case: GeneratedCase, workflow_id: int, opened_by: int) -> dict[str, Any]:
    last = case.stays[-1] if case.stays else None
    entered = case.opened_at if last is None else last.left or last.entered
    return {
        "id": case.id,
        "workflow_id": workflow_id,
        "stage": case.stage,
        "categories": case.categories,
        "summary": case.summary,
        "platform": "Facebook",
        "link": None,
        "seen_at": None,
        "opened_by_id": opened_by,
        "opened_at": case.opened_at,
        "stage_entered_at": entered,
        "closed_at": case.closed_at,
        "outcome": case.outcome,
        "facts": case.facts,
        "version": 1,
    }


def write(session: Session, cases: Iterable[GeneratedCase], workflow_id: int, opened_by: int) -> None:
    """Insert the cases, a poster party each, their audit events (hash-chained) and their timers."""
    rows = list(cases)
    session.execute(insert(Case.__table__), [case_row(c, workflow_id, opened_by) for c in rows])
    session.execute(
        insert(Party.__table__),
        [
            {"case_id": c.id, "kind": "poster", "name": c.poster, "contact": f"{c.poster.split()[0].lower()}@poster.example"}
            for c in rows
        ],
    )
    for case in rows:
        chain(case.events)
    session.execute(insert(AuditEvent.__table__), [e for c in rows for e in c.events])
    session.execute(insert(Timer.__table__), [t for c in rows for t in c.timers])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"))


def generate_history(app: Redress, count: int, *, years: int = 3, seed: int = 7) -> list[GeneratedCase]:
    """`count` cases over the `years` before the app's clock, written to its database; returns the record."""
    compiled = app.current_workflow()
    end = app.clock.now()
    with app.db.unit_of_work() as session:
        people = session.execute(select(Person.id, Person.email, Person.roles).order_by(Person.id)).all()
        head = next((p for p in people if "headteacher" in p.roles), None)
        assert head is not None, "the history needs a headteacher to open its cases"
        first_id = int(session.scalar(select(func.coalesce(func.max(Case.id), 0))) or 0) + 1
        generator = HistoryGenerator(
            compiled.spec, end - timedelta(days=365 * years), end, compiled.id, (head.id, head.email), seed
        )
        cases = list(generator.cases(count, first_id))
        write(session, cases, compiled.id, head.id)
    return cases
