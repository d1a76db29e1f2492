"""`redress subject`: subject access requests (UK GDPR): log one with its deadline, extend it, find the person
across cases, export what is held about them with other people redacted, mark it answered."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from redress.cli.common import app_context, as_option, echo, json_option, print_json
from redress.cli.params import DATE, ID


class Folder(click.Path):
    """A folder that exists already: the export writes its own file names into it, nothing else."""

    def __init__(self) -> None:
        super().__init__(file_okay=False, dir_okay=True, exists=True, writable=True, path_type=Path)


@click.group("subject")
def subject() -> None:
    """Subject access requests: log, extend, find the person across cases, export (others redacted), answer."""


@subject.command("receive")
@as_option
@click.option("--requester", required=True, metavar="NAME", help="Who made the request (a parent may ask for a child).")
@click.option(
    "--about",
    "terms",
    multiple=True,
    required=True,
    metavar="TEXT",
    help="A name, email or pupil reference of the person whose data is asked for (repeat for each).",
)
@click.option("--received", type=DATE, default=None, help="The day the request came (default: today).")
@click.option("--identity-checked", is_flag=True, help="Their identity has been checked.")
def receive(actor: str, requester: str, terms: tuple[str, ...], received: date | None, identity_checked: bool) -> None:
    """Log a subject access request; its answer is due one calendar month after the day it came."""
    from engine.commands.subject_requests import NewRequest, receive_request
    from engine.queries.subject_requests import subject_request
    from engine.rules.inputs import today_in

    with app_context() as app:
        day = received or today_in(app.clock.now(), app.zone)
        request_id = receive_request(app, actor, NewRequest(requester, terms, day, identity_checked))
        view = subject_request(app, actor, request_id)
    echo(f"subject access request {request_id} logged: received {view.received_on}, answer due {view.due_on}")
    if not identity_checked:
        echo("NOTE: check the requester's identity before sending anything")


@subject.command("list")
@as_option
@json_option
def list_requests(actor: str, as_json: bool) -> None:
    """The requests: open ones first, soonest due first."""
    from engine.queries.subject_requests import subject_requests

    with app_context() as app:
        views = subject_requests(app, actor)
    if as_json:
        print_json(views)
        return
    if not views:
        echo("no subject access requests")
    for v in views:
        state = (
            f"answered {v.answered_on}"
            if v.answered_on
            else (f"OVERDUE by {-v.days_left} day(s)" if v.overdue else f"{v.days_left} day(s) left")
        )
        extended = f", extended (told {v.told_on})" if v.told_on else ""
        echo(f"#{v.id}  {v.requester}  about {', '.join(v.terms)}  received {v.received_on}  due {v.due_on}{extended}  {state}")


@subject.command("extend")
@click.argument("request_id", type=ID)
@as_option
@click.option("--months", type=click.IntRange(1, 2), required=True, help="1 or 2 further months.")
@click.option("--told", "told_on", type=DATE, required=True, help="The day the person was told (within the first month).")
@click.option("--reason", required=True, help="Why the request is complex (kept in the access log).")
def extend(request_id: int, actor: str, months: int, told_on: date, reason: str) -> None:
    """Extend a complex request by up to two further months (only if the person was told within the first)."""
    from engine.commands.subject_requests import extend_request

    with app_context() as app:
        due = extend_request(app, actor, request_id, months, reason, told_on)
    echo(f"subject access request {request_id} extended: answer now due {due}")


@subject.command("answered")
@click.argument("request_id", type=ID)
@as_option
def answered(request_id: int, actor: str) -> None:
    """Mark a request answered today."""
    from engine.commands.subject_requests import answer_request

    with app_context() as app:
        day = answer_request(app, actor, request_id)
    echo(f"subject access request {request_id} answered on {day}")


@subject.command("find")
@click.argument("terms", nargs=-1, required=True)
@as_option
@json_option
def find(terms: tuple[str, ...], actor: str, as_json: bool) -> None:
    """Every case you see in full that mentions the person (names, emails or pupil references), and where."""
    from engine.queries.subject_requests import find_subject

    with app_context() as app:
        found = find_subject(app, actor, terms)
    if as_json:
        print_json(found)
        return
    if not found.cases:
        echo(f"nothing found about {', '.join(found.terms)}")
    for c in found.cases:
        state = "closed" if c.closed else c.stage
        echo(f"case #{c.case_id}  opened {c.opened_at:%Y-%m-%d}  {', '.join(c.categories)}  ({state}): {'; '.join(c.found)}")
    if found.more:
        echo("more cases matched than are shown: search with a fuller name or an email")


@subject.command("export")
@click.argument("request_id", type=ID)
@as_option
@click.option("--out", type=Folder(), required=True, metavar="FOLDER", help="An existing folder to write the export into.")
def export(request_id: int, actor: str, out: Path) -> None:
    """Export what the cases hold about the request's person, others redacted: JSON and a readable HTML page."""
    from engine.commands.subject_export import check_folder, export_subject, write_export

    check_folder(out, request_id)
    with app_context() as app:
        made = export_subject(app, actor, request_id, "written to a folder")
    written = write_export(made, out)
    echo(f"subject access request {request_id}: {len(made.cases)} case(s) exported to {', '.join(str(p) for p in written)}")
    counted = ", ".join(f"{n} {label}" for label, n in made.redactions.items())
    echo(f"redacted for review before sending: {counted or 'nothing'}")
