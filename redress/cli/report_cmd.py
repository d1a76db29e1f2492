"""`redress report`: the monitoring report; `redress report annual`: the directors' annual review."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from redress.cli.common import app_context
from redress.cli.params import DATE, YEAR, OutFile


@click.group(invoke_without_command=True)
@click.option("--from", "start", type=DATE, metavar="YYYY-MM-DD", help="First day (default: the day the first case was opened).")
@click.option("--to", "end", type=DATE, metavar="YYYY-MM-DD", help="Last day, included (default: today).")
@click.option(
    "--by",
    type=click.Choice(["month", "term"]),
    default="month",
    show_default=True,
    help="Split the cases opened by calendar month or by school term.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="A table to read, CSV for a spreadsheet, or stable JSON (docs/report.md).",
)
@click.pass_context
def report(ctx: click.Context, start: date | None, end: date | None, by: str, fmt: str) -> None:
    """The monitoring report: cases by category, term or month, stage and outcome, escalations,
    school days taken and deadlines missed. Counts only: no names.

    `redress report annual --year YYYY --out FILE.html` writes the directors' annual review."""
    if ctx.invoked_subcommand is not None:
        return
    from engine.report.formats import render
    from engine.report.monitoring import build_report

    with app_context() as app:
        result = build_report(app, start, end, "term" if by == "term" else "month")
    click.echo(render(result, fmt), nl=False)


@report.command("annual")
@click.option("--year", type=YEAR, required=True, help="The calendar year to review, such as 2026.")
@click.option("--out", type=OutFile(), required=True, metavar="FILE.html", help="Where to write the review (HTML).")
@click.option(
    "--pdf",
    is_flag=True,
    help="Also write FILE.pdf with chromium or wkhtmltopdf (a FILE ending .pdf implies it); "
    "fails (exit 1) when no PDF could be made.",
)
def annual(year: int, out: Path, pdf: bool) -> None:
    """The directors' annual review: the year's figures and charts beside the year before, and the
    policy evaluation checklist, pre-filled where Redress's records answer it."""
    from engine import BadInput
    from engine.report.annual import write_annual
    from engine.report.pdf import html_to_pdf

    # `--out review.pdf` names the PDF: the HTML goes beside it (review.html). Writing the HTML to the PDF's own
    # name used to let the renderer delete its input before reading it, and the command said it had written both.
    wants_pdf = pdf or out.suffix.lower() == ".pdf"
    html_out = out.with_suffix(".html") if out.suffix.lower() == ".pdf" else out
    with app_context() as app:
        written = write_annual(app, year, html_out)
    click.echo(f"Annual review of {year} written to {written}")
    if wants_pdf:
        made = html_to_pdf(written, written.with_suffix(".pdf"))
        if not made.ok:
            raise BadInput(made.message)
        click.echo(made.message)
