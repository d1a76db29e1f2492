"""`redress case ...`: open, list, show, act on, and audit cases."""

from __future__ import annotations

import os
import stat
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import click

from engine.queries import cases as queries
from engine.queries import reading
from engine.queries.present import as_json as jsonable
from engine.queries.views import CaseView, MatterView
from redress.cli.common import app_context, as_option, echo, json_option, print_json
from redress.cli.lazy import LazyGroup
from redress.cli.params import DATE, EMAIL, ID, IN_FILE, INSTANT, NAME, SUMMARY, TEXT, URL, in_zone
from redress.cli.root import CASE_COMMANDS

reader_option = click.option(
    "--as",
    "actor",
    required=True,
    metavar="EMAIL",
    help="Who is reading (their email in Redress): they see what the web shows them.",
)


@click.group(cls=LazyGroup, lazy_commands=CASE_COMMANDS)
def case() -> None:
    """Open, advance and audit cases."""


def _fields(pairs: tuple[str, ...]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"'{pair}' is not NAME=VALUE", param_hint="--field")
        fields[name.strip()] = value
    return fields


@case.command("open")
@click.option("--category", "categories", multiple=True, required=True, help="A monitoring category (repeat for several).")
@click.option("--summary", type=SUMMARY, required=True, help="What was posted, in a sentence.")
@as_option
@click.option("--staff", type=EMAIL, multiple=True, help="A member of staff concerned (repeat for several).")
@click.option(
    "--pupil", "pupils", multiple=True, metavar="REF", help="A pupil concerned, by reference only (initials or number)."
)
@click.option("--poster", "posters", multiple=True, metavar="NAME[:CONTACT]", help="Who posted it, and how to reach them.")
@click.option("--platform", type=NAME, help="Where it was posted (Facebook, a WhatsApp group, ...).")
@click.option("--link", type=URL, help="The address of the post.")
@click.option("--seen-at", type=INSTANT, help="When it was seen (ISO date or date and time, school time).")
@click.option(
    "--first-published", type=DATE, help="When it was first published (YYYY-MM-DD): the defamation limitation runs from it."
)
@json_option
def case_open(
    categories: tuple[str, ...],
    summary: str,
    actor: str,
    staff: tuple[str, ...],
    pupils: tuple[str, ...],
    posters: tuple[str, ...],
    platform: str | None,
    link: str | None,
    seen_at: datetime | None,
    first_published: date | None,
    as_json: bool,
) -> None:
    """Open a case; prints its ID."""
    from engine.commands import cases  # the write side: imported by the commands that write, not by `case show`

    with app_context() as app:
        details = cases.OpenCase(
            categories=categories,
            summary=summary,
            staff=staff,
            pupils=pupils,
            posters=[(name.strip(), contact.strip()) for name, _, contact in (p.partition(":") for p in posters)],
            platform=platform,
            link=link,
            seen_at=in_zone(seen_at, app.zone) if seen_at else None,
            first_published_on=first_published,
        )
        case_id = cases.open_case(app, actor, details)
        if as_json:
            print_json(queries.show_case(app, case_id, actor))
        else:
            echo(case_id)


@case.command("list")
@click.option("--stage", help="Only cases at this stage.")
@click.option("--open", "status", flag_value="open", help="Only open cases.")
@click.option("--closed", "status", flag_value="closed", help="Only closed cases.")
@click.option("--overdue", is_flag=True, help="Only cases with a deadline past due.")
@reader_option
@json_option
def case_list(stage: str | None, status: str | None, overdue: bool, actor: str, as_json: bool) -> None:
    """List the cases you see in full, oldest first."""
    with app_context() as app:
        rows = reading.cases_for(app, reading.reader(app, actor), stage=stage, status=status, overdue=overdue)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        flag = " OVERDUE" if row.overdue else ""
        state = f"closed: {row.outcome}" if row.closed_at else f"next due {_iso(row.next_due) or '-'}"
        echo(f"#{row.id:<5} {row.stage_title:<28} {state}{flag}  {row.summary[:60]}")


@case.command("show")
@click.argument("case_id", type=ID)
@reader_option
@json_option
def case_show(case_id: int, actor: str, as_json: bool) -> None:
    """A case: stage, categories, people, evidence, deadlines, the actions you may take (what --as may see)."""
    with app_context() as app:
        _, view = reading.case_for(app, reading.reader(app, actor), case_id)
    if as_json:
        print_json(view)
    elif isinstance(view, MatterView):
        _print_matter(view)
    else:
        _print_case(view)


def _iso(at: datetime | None) -> str:
    return at.isoformat(timespec="seconds") if at else ""


def _print_matter(view: MatterView) -> None:
    state = f"closed on {view.closed_on.isoformat()}" if view.closed_on else "being dealt with"
    echo(f"Case #{view.id}, opened on {view.opened_on.isoformat()}, about you: {state}")
    for person in view.dealt_with_by:
        echo(f"  dealt with by {person.name} ({person.role})")


def _print_case(view: CaseView) -> None:
    echo(f"Case #{view.id} (version {view.version}): {view.stage_title} [{view.stage}]")
    echo(f"  {view.summary}")
    echo(f"  categories: {', '.join(view.categories)}")
    echo(
        f"  opened {_iso(view.opened_at)} by {view.opened_by}"
        + (f"; closed {_iso(view.closed_at)}: {view.outcome}" if view.closed_at else "")
    )
    for label, values in (
        ("owner", (view.owner,) if view.owner else ()),
        ("staff concerned", view.staff_concerned),
        ("pupils", view.pupils),
    ):
        if values:
            echo(f"  {label}: {', '.join(v or '' for v in values)}")
    for item in view.evidence:
        what = f"{item.name} sha256:{item.sha256}" if item.kind == "file" else item.url
        echo(f"  evidence #{item.id}: {what} {item.description}")
    for meeting in view.meetings:
        echo(f"  meeting on {meeting.held_on.isoformat()} with {meeting.attendees}")
    for note in view.notes:
        echo(f"  note by {note.author}: {note.text}")
    for pause in view.paused:
        echo(f"  {'' if pause.main else pause.procedure + ': '}{pause.text}")
    for track in view.tracks:
        state = " (finished)" if track.finished_at else ("" if track.running else " (stopped when the case closed)")
        echo(f"  track {track.name}: {track.stage_title} [{track.stage}]{state}")
    for deadline in view.deadlines:
        flag = " PAUSED" if deadline.paused else (" OVERDUE" if deadline.overdue else "")
        echo(f"  deadline {deadline.name} ({deadline.kind}) due {_iso(deadline.due_at)}{flag}")
    for action in view.actions:
        fields = " ".join(f"--field {k}=..." + ("" if f.required else "(optional)") for k, f in action.fields.items())
        blocked = f"  [blocked: {'; '.join(action.blocked_by)}]" if action.blocked_by else ""
        where = "" if action.procedure == "main" else f" ({action.procedure})"
        echo(f"  you may: {action.name}{where} -> {action.to}  {fields}{blocked}")


@case.command("act")
@click.argument("case_id", type=ID)
@click.argument("action")
@as_option
@click.option("--field", "fields", multiple=True, metavar="NAME=VALUE", help="A field the action asks for (repeat).")
@click.option("--note", type=TEXT, help="A note to keep with the action.")
@click.option("--expect-version", type=ID, help="Refuse if the case changed since this version.")
@json_option
def case_act(
    case_id: int, action: str, actor: str, fields: tuple[str, ...], note: str | None, expect_version: int | None, as_json: bool
) -> None:
    """Take ACTION on a case."""
    from engine.commands import cases

    with app_context() as app:
        result = cases.take_action(app, case_id, action, actor, _fields(fields), note=note, expected_version=expect_version)
    if as_json:
        print_json(
            {
                "case": result.case_id,
                "action": result.action,
                "stage_before": result.stage_before,
                "stage_after": result.stage_after,
                "version": result.version,
                "notified": result.notified,
                "closed": result.closed,
            }
        )
    else:
        echo(f"case #{result.case_id}: {result.stage_before} -> {result.stage_after}")


@case.command("evidence")
@click.argument("case_id", type=ID)
@click.option("--file", "file", type=IN_FILE, help="A screenshot or saved page (up to 25 MB).")
@click.option("--link", type=URL, help="The address of the post.")
@as_option
@click.option("--description", type=TEXT, default="", help="What it shows.")
def case_evidence(case_id: int, file: Path | None, link: str | None, actor: str, description: str) -> None:
    """Add evidence: a file (stored by its SHA-256) or a link."""
    from engine.commands import records

    if bool(file) == bool(link):
        raise click.UsageError("give exactly one of --file PATH or --link URL")
    with app_context() as app:
        if file:
            with _open_regular(file) as stream:
                item = records.add_evidence_file(app, case_id, actor, stream, file.name, description)
            echo(f"evidence #{item.id}: {item.original_name}, {item.size} bytes, sha256 {item.sha256}")
        else:
            item = records.add_evidence_link(app, case_id, actor, link or "", description)
            echo(f"evidence #{item.id}: {item.url}")


def _open_regular(path: Path) -> BinaryIO:
    """Open a file for reading without waiting on it (a FIFO swapped in after the check opens at once), and
    refuse it unless it is still a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise click.BadParameter(f"{path} is not a regular file: give a saved file", param_hint="--file")
    return os.fdopen(fd, "rb")


@case.command("note")
@click.argument("case_id", type=ID)
@click.argument("text", type=TEXT)
@as_option
def case_note(case_id: int, text: str, actor: str) -> None:
    """Add a note to a case."""
    from engine.commands import records

    with app_context() as app:
        note = records.add_note(app, case_id, actor, text)
    echo(f"note #{note.id} added to case #{case_id}")


@case.command("link")
@click.argument("case_id", type=ID)
@click.argument("other_id", type=ID)
@click.option("--reason", type=TEXT, required=True, help="Why they are connected, in a sentence.")
@click.option(
    "--basis",
    type=click.Choice(["poster", "platform", "thread", "manual"]),
    default="manual",
    show_default=True,
    help="What connects them: 'poster' links count towards a course of conduct.",
)
@as_option
def case_link(case_id: int, other_id: int, reason: str, basis: str, actor: str) -> None:
    """Link two cases (both trails record it)."""
    from engine.commands.links import link_cases

    with app_context() as app:
        link_cases(app, case_id, other_id, actor, reason, basis)
    echo(f"case #{case_id} is linked to case #{other_id} ({basis})")


@case.command("published")
@click.argument("case_id", type=ID)
@click.argument("day", type=DATE, required=False)
@click.option("--reason", type=TEXT, required=True, help="Why the date changes.")
@as_option
def case_published(case_id: int, day: date | None, reason: str, actor: str) -> None:
    """Correct when a case's post was first published (no DAY: not known); its limitation reminder follows."""
    from engine.commands.links import set_first_published

    with app_context() as app:
        set_first_published(app, case_id, actor, day, reason)
    echo(f"case #{case_id}: first published {day.isoformat() if day else 'not known'}")


@case.command("meeting")
@click.argument("case_id", type=ID)
@click.option("--held-on", "day", type=DATE, required=True, help="The date of the meeting (YYYY-MM-DD).")
@click.option("--attendees", type=TEXT, required=True, help="Who attended.")
@click.option("--notes", type=TEXT, default="", help="What was said.")
@as_option
def case_meeting(case_id: int, day: date, attendees: str, notes: str, actor: str) -> None:
    """Record a meeting held about a case."""
    from engine.commands import records

    with app_context() as app:
        meeting = records.record_meeting(app, case_id, actor, day, attendees, notes)
    echo(f"meeting #{meeting.id} recorded on case #{case_id}")


@case.command("audit")
@click.argument("case_id", type=ID)
@click.option(
    "--verify",
    is_flag=True,
    help="Check the case as 'redress verify --case N' does (its chain, signatures, "
    "its rows replayed from its events, its evidence files) and name every problem; exit 1 if any.",
)
@reader_option
@json_option
def case_audit(case_id: int, verify: bool, actor: str, as_json: bool) -> None:
    """The audit trail of a case you see in full, every event in order."""
    with app_context() as app:
        trail = reading.audit_for(app, reading.reader(app, actor), case_id, verify=verify)
    result = trail.verification
    if as_json:
        payload: dict[str, Any] = jsonable(trail)
        if result is None:
            del payload["verification"]  # documented as present only with --verify
        print_json(payload)
    else:
        for entry in trail.chronology:
            echo(f"{entry.seq:>4} {entry.when}, {entry.who}: {entry.headline}")
            for label, value in entry.details:
                echo(f"       {label}: {value}")
        if result and result.ok:
            echo(f"verified: {result.checked} events, chain intact; signatures, the case's rows and its evidence files hold")
        elif result:
            echo(f"TAMPERED: {result.reason}")
            for problem in result.problems:
                if problem != result.reason:
                    echo(f"FAILED: {problem}")
    if result and not result.ok:
        raise SystemExit(1)


@case.command("migrate")
@click.argument("case_id", type=ID)
@as_option
def case_migrate(case_id: int, actor: str) -> None:
    """Move an open case to the current workflow version (only when its stage exists there)."""
    from engine.commands import cases

    with app_context() as app:
        old, new = cases.migrate_case(app, case_id, actor)
    echo(f"case #{case_id} moved from workflow {old[:12]} to {new[:12]}")


@case.command("assign")
@click.argument("case_id", type=ID)
@click.option("--owner", type=EMAIL, required=True, help="Who carries the case day to day (they must see it in full).")
@as_option
def case_assign(case_id: int, owner: str, actor: str) -> None:
    """Give a case an owner: they get its reminders, and it is among 'your cases' on their dashboard."""
    from engine.commands import owners

    with app_context() as app:
        name = owners.assign_owner(app, case_id, actor, owner)
    echo(f"case #{case_id}: owner {name} ({owner})")
