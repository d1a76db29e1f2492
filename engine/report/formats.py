"""The monitoring report as text: a table for the terminal, CSV for a spreadsheet, JSON for programs.

CSV is one long table with a single header, `section,key,label,measure,value`: counts have the
measure `count`; durations have three rows each (`count`, `median`, `p90`). JSON is
`Report.to_dict()`; docs/report.md describes both.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence

from engine.report.monitoring import Count, PeriodCount, Report, SchoolDays

SECTIONS = (
    ("totals", "Cases"),
    ("categories", "By category (a case with several categories counts under each)"),
    ("periods", "Opened, by {by}"),
    ("stages", "By stage now (cases opened in the period)"),
    ("outcomes", "By outcome (cases closed in the period)"),
    ("escalations", "Escalations (cases that reached the stage in the period)"),
    ("deadlines_missed", "Deadlines missed (fell due in the period with nothing done)"),
    ("repeat_posters", "Repeat posters (cases linked by poster; counts only, no names)"),
)
WIDTH = 64


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv(report)
    return to_table(report)


def _counts(report: Report, section: str) -> Sequence[Count | PeriodCount]:
    counts: Sequence[Count | PeriodCount] = getattr(report, section)
    return counts


def to_table(report: Report) -> str:
    lines = [
        f"Monitoring report: {report.school}",
        f"From {report.start:%d %b %Y} to {report.end:%d %b %Y} "
        f"(made {report.generated_at:%d %b %Y %H:%M} UTC). Counts and school days only: no names.",
        "",
    ]
    for section, heading in SECTIONS:
        lines.append(heading.format(by=report.by))
        for count in _counts(report, section):
            lines.append(f"  {_cut(count.label, WIDTH):<{WIDTH}} {count.value:>7}")
        lines.append("")
    lines.append("School days taken")
    lines.append(f"  {'':<{WIDTH - 16}} {'measured':>8} {'median':>7} {'90th pct':>8}")
    for days in (report.resolution, *report.stage_days):
        label = days.label if days.key == "resolution" else f"in stage: {days.label}"
        lines.append(f"  {_cut(label, WIDTH - 16):<{WIDTH - 16}} {days.count:>8} {_num(days.median):>7} {_num(days.p90):>8}")
    return "\n".join(lines) + "\n"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}"


def rows(report: Report) -> Iterator[tuple[str, str, str, str, str]]:
    """(section, key, label, measure, value) for every figure, in the report's order."""
    for section, _ in SECTIONS:
        for count in _counts(report, section):
            yield section, count.key, count.label, "count", str(count.value)
    for section, durations in (("resolution_days", (report.resolution,)), ("stage_days", report.stage_days)):
        for days in durations:
            yield from _duration_rows(section, days)


def _duration_rows(section: str, days: SchoolDays) -> Iterator[tuple[str, str, str, str, str]]:
    yield section, days.key, days.label, "count", str(days.count)
    yield section, days.key, days.label, "median", "" if days.median is None else f"{days.median:g}"
    yield section, days.key, days.label, "p90", "" if days.p90 is None else f"{days.p90:g}"


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "key", "label", "measure", "value"])
    writer.writerow(["report", "start", "First day of the period", "date", report.start.isoformat()])
    writer.writerow(["report", "end", "Last day of the period", "date", report.end.isoformat()])
    writer.writerows(rows(report))
    return buffer.getvalue()
