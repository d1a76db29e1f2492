"""The directors' annual review: a year's monitoring figures beside the year before, with charts,
and the policy evaluation checklist from the end of the policy, pre-filled where Redress's data
answers it (and saying which answers those are). Written as HTML; as PDF when a renderer is installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2
from markupsafe import Markup
from sqlalchemy import select

from engine.context import Redress
from engine.errors import BadInput
from engine.report.charts import report_charts
from engine.report.monitoring import Report, build_report
from engine.rules.access import Power, holders
from store import OutboxMessage, Person

TEMPLATES = Path(__file__).parent / "templates"
TO_COMPLETE = "To be completed by the headteacher"
# The "Policy Evaluation" page at the end of the policy, point by point, in its order.
CHECKLIST = (
    "Policy annually reviewed",
    "Policy in line with current legislation",
    "Coordinator in place",
    "Nominated Director in place",
    "Coordinator carries out role effectively",
    "Headteacher, coordinator and nominated Director work closely",
    "Policy endorsed by Directors",
    "Policy regularly discussed at meetings of the Directors",
    "School staff aware of this policy",
    "School staff comply with this policy",
    "Pupils aware of this policy",
    "Parents aware of this policy",
    "Visitors aware of this policy",
    "Local community aware of this policy",
    "Funding in place",
    "Policy complies with the Equality Act",
    "Equality Impact Assessment undertaken",
    "Policy referred to the School Handbook",
    "Policy available from the school office",
    "Policy available from the school website",
    "School Council involved with policy development",
    "All stakeholders take part in questionnaires and surveys",
    "All associated training in place",
    "All outlined procedures complied with",
    "Linked policies in place and up to date",
    "Associated policies in place and up to date",
)


@dataclass(frozen=True)
class Answer:
    point: str
    answer: str
    """Yes, No, or what is still to be done."""
    evidence: str
    from_data: bool


@dataclass(frozen=True)
class Change:
    label: str
    previous: str
    current: str
    change: str


@dataclass(frozen=True)
class AnnualReview:
    year: int
    current: Report
    previous: Report
    checklist: tuple[Answer, ...]


def year_span(app: Redress, year: int) -> tuple[date, date]:
    """1 January to 31 December, or to today while the year is still running."""
    if not 1900 < year < 3000:
        raise BadInput(f"'{year}' is not a year: write it as YYYY, such as 2026")
    today = app.clock.now().astimezone(app.zone).date()
    start = date(year, 1, 1)
    if start > today:
        raise BadInput(f"{year} has not started yet: the annual review covers a year up to today ({today})")
    return start, min(date(year, 12, 31), today)


def build_annual(app: Redress, year: int) -> AnnualReview:
    start, end = year_span(app, year)
    current = build_report(app, start, end, "term")
    previous = build_report(app, date(year - 1, 1, 1), date(year - 1, 12, 31), "term")
    return AnnualReview(year, current, previous, checklist(app, year))


def _people_with(app: Redress, roles: frozenset[str]) -> int:
    with app.db.reading() as session:
        return sum(1 for held, active in session.execute(select(Person.roles, Person.active)) if active and roles & set(held))


def _review_reminder(app: Redress, year: int) -> date | None:
    """When Redress sent (or queued) the annual policy review reminder in `year`, if it did."""
    with app.db.reading() as session:
        times = session.scalars(select(OutboxMessage.created_at).where(OutboxMessage.template == "policy_review"))
        days = sorted(at.astimezone(app.zone).date() for at in times if at.astimezone(app.zone).year == year)
    return days[0] if days else None


def _role_answer(app: Redress, point: str, power: Power) -> Answer:
    spec = app.current_workflow().spec
    label = "' or '".join(spec.roles[role].label if role in spec.roles else role for role in sorted(holders(spec, power)))
    held = _people_with(app, holders(spec, power))
    if held:
        return Answer(point, "Yes", f"{held} active person(s) in Redress hold the role '{label}'", True)
    return Answer(point, "No", f"Nobody active in Redress holds the role '{label}'", True)


def checklist(app: Redress, year: int) -> tuple[Answer, ...]:
    reminded = _review_reminder(app, year)
    known = {
        # A reminder sent is not a review held: the answer stays the reviewers' to give, with the reminder as a note.
        "Policy annually reviewed": Answer(
            "Policy annually reviewed",
            TO_COMPLETE,
            f"Redress sent the annual policy review reminder on {reminded:%d %B %Y}: give the date the policy was reviewed",
            False,
        )
        if reminded
        else Answer("Policy annually reviewed", TO_COMPLETE, f"No policy review reminder recorded in {year}", False),
        "Coordinator in place": _role_answer(app, "Coordinator in place", Power.COORDINATE_ESAFETY),
        "Nominated Director in place": _role_answer(app, "Nominated Director in place", Power.OVERSEE_ESAFETY),
        "Equality Impact Assessment undertaken": Answer("Equality Impact Assessment undertaken", "To be completed", "", False),
    }
    return tuple(known.get(point, Answer(point, TO_COMPLETE, "", False)) for point in CHECKLIST)


def _change(previous: float | None, current: float | None) -> str:
    if previous is None or current is None:
        return "–"
    diff = current - previous
    text = f"{diff:+g}" if diff else "no change"
    return f"{text} ({diff / previous:+.0%})" if diff and previous else text


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def comparisons(review: AnnualReview, section: str) -> list[Change]:
    """Each count of a section, last year beside this year, with the change."""
    before = {c.key: c.value for c in getattr(review.previous, section)}
    return [
        Change(c.label, str(before.get(c.key, 0)), str(c.value), _change(before.get(c.key, 0), c.value))
        for c in getattr(review.current, section)
    ]


def duration_comparisons(review: AnnualReview) -> list[Change]:
    """Median and 90th percentile school days, both years."""
    previous = {d.key: d for d in (review.previous.resolution, *review.previous.stage_days)}
    out = []
    for days in (review.current.resolution, *review.current.stage_days):
        old = previous.get(days.key)
        for measure, label in (("median", "median"), ("p90", "90th percentile")):
            before, now = (getattr(old, measure) if old else None), getattr(days, measure)
            out.append(Change(f"{days.label}: {label}", _num(before), _num(now), _change(before, now)))
    return out


def charts(review: AnnualReview) -> dict[str, Markup]:
    """The report's charts (by category this year; by term, last year's terms beside this year's)."""
    return report_charts(review.current, during=f" in {review.year}", periods=(*review.previous.periods, *review.current.periods))


def render_html(app: Redress, review: AnnualReview) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    sections = {
        name: comparisons(review, name) for name in ("totals", "categories", "outcomes", "escalations", "deadlines_missed")
    }
    return environment.get_template("annual_review.html").render(
        school=app.settings.school_name,
        review=review,
        sections=sections,
        durations=duration_comparisons(review),
        charts=charts(review),
        made=app.local(app.clock.now()),
        to_complete=TO_COMPLETE,
    )


def write_annual(app: Redress, year: int, out: Path) -> Path:
    html = render_html(app, build_annual(app, year))
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write {out} ({exc.strerror}): choose a file in a folder that exists") from exc
    return out
