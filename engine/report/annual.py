"""The directors' annual review: a year's monitoring figures beside the year before, with charts,
and the policy evaluation checklist from the end of the policy as the three reviewers answered and signed
it in Redress (engine.queries.review; where none has answered, what Redress's records truly show, marked so). Written as HTML; as PDF when a renderer is installed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2
from markupsafe import Markup

from engine.context import Redress
from engine.errors import BadInput, Refused
from engine.queries.review import ReviewSheet, review_sheet
from engine.report.charts import report_charts
from engine.report.monitoring import Report, build_report

TEMPLATES = Path(__file__).parent / "templates"
TO_COMPLETE = "Not answered yet"


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
    sheet: ReviewSheet
    """The policy evaluation checklist as answered and signed in Redress (engine.queries.review)."""


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
    return AnnualReview(year, current, previous, review_sheet(app, year, current))


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
        local=app.local,
        to_complete=TO_COMPLETE,
    )


def write_annual(app: Redress, year: int, out: Path) -> Path:
    html = render_html(app, build_annual(app, year))
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write {out} ({exc.strerror}): choose a file in a folder that exists") from exc
    return out


def annual_html(app: Redress, year: int) -> str:
    """The review of `year` as one self-contained HTML page (the page's download)."""
    return render_html(app, build_annual(app, year))


def annual_pdf(app: Redress, year: int) -> bytes:
    """The review of `year` as PDF, made by the renderer `redress report annual --pdf` uses; a sentence, never an
    empty file, when none could make it."""
    from engine.report.pdf import html_to_pdf

    html = annual_html(app, year)
    with tempfile.TemporaryDirectory(prefix="redress-review-") as folder:
        source, target = Path(folder) / f"annual-review-{year}.html", Path(folder) / f"annual-review-{year}.pdf"
        source.write_text(html, encoding="utf-8")
        made = html_to_pdf(source, target)
        if not made.ok:
            raise Refused(
                made.message.replace(f"HTML written to {source}; ", "").replace(
                    f"open {source} in", "download the HTML, open it in"
                )
            )
        return target.read_bytes()
