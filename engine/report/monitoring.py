"""The monitoring report the policy asks for: counts and durations of the cases of a period.

Counts and school days only: a report never carries a name, an email or a summary. docs/report.md
defines every figure; the queries are in report_sql, the school-day arithmetic in report_days and
the months and terms in report_periods.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from engine.context import Redress
from engine.errors import BadInput
from engine.report.days import DayIndex, Spread, spread
from engine.report.periods import By, Period, locate, periods
from engine.report.sql import Plan, ReportQueries, Totals, Window, gather_stays_beside
from store import AuditEvent, Case
from workflows import Workflow

# The stages whose arrivals the report counts: report key -> stage name. The chair meeting is found in
# the workflow (the stage its automatic escalations lead to); the name here is only the fallback for a
# workflow with none. The workflow language has no marker for the other two, so they are named here, once.
NAMED_STAGES = {
    "escalated_to_chair": "chair_meeting",
    "legal_advice": "legal_advice",
    "referred_to_authorities": "referred_to_authorities",
}
JSON_VERSION = 1


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    value: int


@dataclass(frozen=True)
class PeriodCount:
    key: str
    label: str
    start: date
    end: date
    value: int


@dataclass(frozen=True)
class SchoolDays:
    """A duration in school days: how many were measured, their median and 90th percentile."""

    key: str
    label: str
    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Report:
    school: str
    start: date
    end: date
    by: By
    generated_at: datetime
    totals: tuple[Count, ...]
    categories: tuple[Count, ...]
    periods: tuple[PeriodCount, ...]
    stages: tuple[Count, ...]
    outcomes: tuple[Count, ...]
    escalations: tuple[Count, ...]
    deadlines_missed: tuple[Count, ...]
    resolution: SchoolDays
    stage_days: tuple[SchoolDays, ...]
    repeat_posters: tuple[Count, ...] = ()
    """Posters whose cases are linked by poster (a course of conduct: two occasions or more), and their cases
    opened in the period: counts only, no names."""

    def count(self, section: str, key: str) -> int:
        """A count by section and key (0 when absent), e.g. report.count("totals", "opened")."""
        return next((c.value for c in getattr(self, section) if c.key == key), 0)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (docs/report.md): add keys, never rename them."""
        out = asdict(self)
        out.update(
            report="monitoring",
            version=JSON_VERSION,
            start=self.start.isoformat(),
            end=self.end.isoformat(),
            generated_at=self.generated_at.isoformat(timespec="seconds"),
        )
        out["periods"] = [{**p, "start": p["start"].isoformat(), "end": p["end"].isoformat()} for p in out["periods"]]
        return out


def build_report(app: Redress, start: date | None = None, end: date | None = None, by: By = "month") -> Report:
    """The monitoring report of the cases between `start` and `end` (local dates, both included).

    Without `start`, from the day the first case was opened; without `end`, to today.
    """
    if by not in ("month", "term"):
        raise BadInput(f"'{by}' is not a way to split the report: use month or term")
    spec = app.current_workflow().spec
    now = app.clock.now()
    today = now.astimezone(app.zone).date()
    first_day, last_day = _span_of_records(app, today)
    start, end = start or min(first_day, end or today), end or today
    if end < start:
        raise BadInput(f"the report would end ({end}) before it starts ({start}): swap --from and --to")
    # Every instant the queries join lies between the first case's opening and the last action, whatever
    # dates were asked for: the index covers that span, a day either side.
    lowest = first_day - timedelta(days=1)
    index = DayIndex(app.calendar.is_school_day, lowest, max(min(end, last_day), lowest) + timedelta(days=1))
    window = Window(_midnight(app, start), _midnight(app, end + timedelta(days=1)))
    plan = Plan(window, index, app.zone, narrow=start > first_day or end < today)
    milestones = _milestones(spec)
    counted, stays = gather_stays_beside(app.db, plan, lambda queries: _gather(queries, milestones))
    figures = replace(counted, stays=stays)
    split = periods(by, start, end, app.settings.terms)
    return Report(
        school=app.settings.school_name,
        start=start,
        end=end,
        by=by,
        generated_at=now,
        totals=_totals(figures.totals),
        categories=_categories(spec, figures.categories),
        periods=_periods(split, figures.opened_by_day, start, end),
        stages=_stages(spec, figures.stages),
        outcomes=_outcomes(spec, figures.outcomes),
        escalations=_escalations(spec, figures.arrivals),
        deadlines_missed=_missed(*figures.missed),
        resolution=_days("resolution", "Report to resolution", figures.resolution),
        stage_days=tuple(_days(s, spec.stages[s].title, figures.stays.get(s, Counter())) for s in spec.open_stages),
        repeat_posters=_repeat(*figures.repeat),
    )


def _span_of_records(app: Redress, today: date) -> tuple[date, date]:
    """The local dates of the first case opened and of the last event (or today, if later)."""
    with app.db.reading() as session:
        first, opened, acted = session.execute(
            select(
                select(func.min(Case.opened_at)).scalar_subquery(),
                select(func.max(Case.opened_at)).scalar_subquery(),
                select(func.max(AuditEvent.at)).where(AuditEvent.kind == "action").scalar_subquery(),
            )
        ).one()
    days = [at.astimezone(app.zone).date() for at in (opened, acted) if at is not None]
    return (first.astimezone(app.zone).date() if first else today), max([today, *days])


def _midnight(app: Redress, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=app.zone).astimezone(UTC)


@dataclass(frozen=True)
class _Figures:
    totals: Totals
    categories: Counter[str]
    stages: Counter[str]
    outcomes: Counter[str]
    opened_by_day: Counter[int]
    arrivals: dict[str, tuple[int, int]]
    missed: tuple[Counter[str], int]
    resolution: Counter[int]
    repeat: tuple[int, int] = (0, 0)
    stays: dict[str, Counter[int]] = field(default_factory=dict)


def _gather(queries: ReportQueries, milestones: Mapping[str, str]) -> _Figures:
    """Every figure but the stays (gather_stays_beside reads those beside)."""
    return _Figures(
        queries.totals(),
        queries.categories(),
        queries.stages(),
        queries.outcomes(),
        queries.opened_by_day(),
        queries.arrivals(milestones.values()),
        queries.missed(),
        queries.resolution(),
        queries.repeat_posters(),
    )


def escalation_stage(spec: Workflow) -> str:
    """Where the workflow's automatic escalations lead (the chair meeting in the shipped workflow)."""
    targets = Counter(spec.actions[d.escalate].to for s in spec.stages.values() for d in s.deadlines if d.escalate)
    return targets.most_common(1)[0][0] if targets else NAMED_STAGES["escalated_to_chair"]


def _milestones(spec: Workflow) -> dict[str, str]:
    """Report key -> stage name, for the arrivals the report counts."""
    return {**NAMED_STAGES, "escalated_to_chair": escalation_stage(spec)}


def _title(spec: Workflow, stage: str) -> str:
    return spec.stages[stage].title if stage in spec.stages else stage


def _totals(totals: Totals) -> tuple[Count, ...]:
    return (
        Count("opened", "Cases opened", totals.opened),
        Count("closed", "Cases closed", totals.closed),
        Count("still_open", "Cases still open at the end of the period", totals.still_open),
        Count("removal_confirmed", "Posts confirmed removed (cases opened in the period)", totals.removal_confirmed),
    )


def _with_extras(known: Iterable[tuple[str, str]], counts: Counter[str]) -> tuple[Count, ...]:
    """Every known key (zeros included), then any key the data holds that the workflow no longer knows."""
    pairs = dict(known)
    pairs.update({key: key for key in sorted(counts) if key not in pairs})
    return tuple(Count(key, label, counts.get(key, 0)) for key, label in pairs.items())


def _categories(spec: Workflow, counts: Counter[str]) -> tuple[Count, ...]:
    return _with_extras(((name, c.label) for name, c in spec.categories.items()), counts)


def _stages(spec: Workflow, counts: Counter[str]) -> tuple[Count, ...]:
    return _with_extras(((name, s.title) for name, s in spec.stages.items()), counts)


def workflow_outcomes(spec: Workflow) -> list[str]:
    """Every outcome a case can close with, in the workflow's order."""
    found = [a.outcome or spec.stages[a.to].title for a in spec.actions.values() if spec.is_final(a.to)]
    return list(dict.fromkeys(found))


def _outcomes(spec: Workflow, counts: Counter[str]) -> tuple[Count, ...]:
    return _with_extras(((o, o[:1].upper() + o[1:]) for o in workflow_outcomes(spec)), counts)


def _periods(split: list[Period], opened_by_day: Counter[int], first: date, last: date) -> tuple[PeriodCount, ...]:
    """Cases opened in each period; a period the report's dates cut short shows the days it covers."""
    counts: Counter[str] = Counter()
    for ordinal, n in opened_by_day.items():
        period = locate(split, date.fromordinal(ordinal))
        if period is not None:
            counts[period.key] += n
    return tuple(PeriodCount(p.key, p.label, max(p.start, first), min(p.end, last), counts[p.key]) for p in split)


def _escalations(spec: Workflow, arrivals: dict[str, tuple[int, int]]) -> tuple[Count, ...]:
    chair = escalation_stage(spec)
    cases, automatic = arrivals.get(chair, (0, 0))
    legal = NAMED_STAGES["legal_advice"]
    referred = NAMED_STAGES["referred_to_authorities"]
    return (
        Count("escalated_to_chair", f"Escalated to the chair ({_title(spec, chair)})", cases),
        Count("escalated_automatically", "of which escalated automatically when a deadline passed", automatic),
        Count("legal_advice", f"Legal advice taken ({_title(spec, legal)})", arrivals.get(legal, (0, 0))[0]),
        Count("referred_to_authorities", _title(spec, referred), arrivals.get(referred, (0, 0))[0]),
    )


def _missed(kinds: Counter[str], cases: int) -> tuple[Count, ...]:
    return (
        Count("total", "Deadlines missed", sum(kinds.values())),
        Count("reminders", "Reminders sent because nothing was done in time", kinds.get("reminder", 0)),
        Count("escalations", "Automatic escalations because nothing was done in time", kinds.get("escalation", 0)),
        Count("cases", "Cases with a missed deadline", cases),
    )


def _repeat(posters: int, cases: int) -> tuple[Count, ...]:
    return (
        Count("posters", "Repeat posters: two or more cases linked by poster (a course of conduct)", posters),
        Count("cases", "Their cases opened in the period", cases),
    )


def _days(key: str, label: str, histogram: Counter[int]) -> SchoolDays:
    summary: Spread = spread(histogram)
    return SchoolDays(key, label, summary.count, summary.median, summary.p90)
