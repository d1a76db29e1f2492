"""`redress outbox ...` and `redress case letter`: see and resend email, write letters to the poster."""

from __future__ import annotations

from pathlib import Path

import click

from engine.commands import outbox as mail
from engine.queries.outbox import OutboxLine, read_outbox
from redress.cli.common import app_context, as_option, echo, json_option, print_json
from redress.cli.params import ID, OutFile


@click.group()
def outbox() -> None:
    """The email outbox: what was sent, what waits, what failed."""


@outbox.command("list")
@click.option("--failed", is_flag=True, help="Only messages that could not be sent.")
@json_option
def outbox_list(failed: bool, as_json: bool) -> None:
    """The newest messages first."""
    with app_context() as app:
        lines = read_outbox(app, failed_only=failed).messages
    if as_json:
        print_json([_as_json(m) for m in lines])
        return
    for m in lines:
        error = f"  ({m.last_error})" if m.last_error else ""
        echo(f"#{m.id:<5} {m.status:<7} case {m.case_id or '-':<5} {m.to:<32} {m.subject[:50]}{error}")


def _as_json(m: OutboxLine) -> dict[str, object]:
    """The stable JSON of one message (see the README)."""
    return {
        "id": m.id,
        "case": m.case_id,
        "to": m.to,
        "template": m.template,
        "subject": m.subject,
        "status": m.status,
        "attempts": m.attempts,
        "next_attempt_at": m.next_attempt_at.isoformat(timespec="seconds"),
        "last_error": m.last_error,
        "message_id": m.message_id,
        "sent_at": m.sent_at.isoformat(timespec="seconds") if m.sent_at else None,
    }


@outbox.command("retry")
@click.argument("message", type=ID, required=False)
@click.option("--all-failed", is_flag=True, help="Requeue every failed message.")
@as_option
def outbox_retry(message: int | None, all_failed: bool, actor: str) -> None:
    """Requeue MESSAGE (an outbox id) or every failed one; the worker sends them at once."""
    if (message is None) == (not all_failed):
        raise click.UsageError("give a message id or --all-failed, not both")
    with app_context() as app:
        count = mail.resend(app, actor, mail.ALL_FAILED if all_failed or message is None else message)
    echo(f"{count} message(s) requeued")


@click.command("letter")
@click.argument("case_id", type=ID)
@click.argument("kind", type=click.Choice(["meeting_invitation", "removal_request", "legal_warning"]))
@as_option
@click.option("--meeting-date", help="For an invitation: when (as it should read, e.g. 'Thursday 3 December at 3.30pm').")
@click.option("--meeting-place", help="For an invitation: where.")
@click.option("--html", "as_html", is_flag=True, help="Write HTML instead of plain text.")
@click.option("--out", type=OutFile(), help="Write to FILE instead of the screen.")
def letter(
    case_id: int, kind: str, actor: str, meeting_date: str | None, meeting_place: str | None, as_html: bool, out: Path | None
) -> None:
    """Write a letter to the poster of a case, for the headteacher to send."""
    # The file is made (empty) before the letter is written and its reading recorded: a path that cannot
    # be written is refused with nothing recorded.
    if out:
        out.write_text("", encoding="utf-8")
    try:
        with app_context() as app:
            written = mail.letter(app, case_id, kind, actor, meeting_date=meeting_date, meeting_place=meeting_place)
    except BaseException:
        if out:
            out.unlink(missing_ok=True)
        raise
    body = written.html if as_html else written.text
    if out:
        out.write_text(body, encoding="utf-8")
        echo(f"letter written to {out}")
    else:
        echo(body)
