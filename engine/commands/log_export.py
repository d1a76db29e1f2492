"""The incident log exported as CSV: only by those who may read the log, and each export kept on the school's
trail (who, when, with which filter, how many lines), as every change of who may use Redress is."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from engine.commands import trail
from engine.context import Redress
from engine.errors import NotAllowed
from engine.queries.log import LogFilter, log_for_export
from engine.queries.views import LogEntry
from engine.rules.access import Viewer, may_read_log

EXPORTED = "incident_log_exported"
HEADER = ("case", "opened", "categories", "stage", "closed", "outcome", "summary")


def export_log(app: Redress, viewer: Viewer, wanted: LogFilter) -> Iterator[str]:
    """The filtered log as CSV text, a line at a time; the export is recorded before the first line is given."""
    if not may_read_log(viewer):
        raise NotAllowed("the incident log is kept by the coordinator and the headteacher: only they export it")
    entries = list(log_for_export(app, viewer, wanted))
    with app.db.unit_of_work() as session:
        trail.record(app, session, viewer.email, EXPORTED, None, filter=wanted.described(), lines=len(entries))
    return _csv(app, entries)


def _csv(app: Redress, entries: list[LogEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for e in entries:
        writer.writerow(
            (
                e.id,
                app.local(e.opened_at),
                "; ".join(e.category_labels),
                e.stage_title,
                "yes" if e.closed else "no",
                e.outcome or "",
                _cell(e.summary or ""),
            )
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
