"""`redress outbox ...` and `redress case letter`: see and resend email, write letters to the poster."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from engine.commands import letters
from engine.commands import outbox as mail
from engine.queries.outbox import OutboxLine, read_outbox
from engine.rules.letters import LETTER_MAX, LETTERS, METHODS
from notifications.render import Letter
from redress.cli.common import app_context, as_option, echo, json_option, print_json
from redress.cli.params import DATE, ID, IN_FILE, OutFile


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
@click.argument("kind", type=click.Choice(list(LETTERS)))
@as_option
@click.option("--meeting-date", help="For an invitation: when, as it should read (the meeting arranged on the case by default).")
@click.option("--meeting-place", help="For an invitation: where (the school office by default).")
@click.option("--html", "as_html", is_flag=True, help="Write HTML instead of plain text.")
@click.option("--out", type=OutFile(), help="Write to FILE instead of the screen.")
@click.option(
    "--send-by",
    type=click.Choice(list(METHODS)),
    help="Record the letter as sent (post, email or hand): its text is kept as evidence and the chronology says so.",
)
@click.option("--sent-on", type=DATE, help="With --send-by: the day it was sent (today by default).")
@click.option("--text-file", type=IN_FILE, help="With --send-by: the letter as sent (the draft, edited); the draft by default.")
def letter(
    case_id: int,
    kind: str,
    actor: str,
    meeting_date: str | None,
    meeting_place: str | None,
    as_html: bool,
    out: Path | None,
    send_by: str | None,
    sent_on: date | None,
    text_file: Path | None,
) -> None:
    """Draft a letter from a case (to the poster or the platform); --send-by records it as sent.

    The letter is drafted from the case (the poster's name and address, the meeting arranged). With --send-by
    the letter as sent (the draft, or --text-file) is kept as evidence under its SHA-256 and the chronology
    says so."""
    if send_by is None and (sent_on or text_file):
        raise click.UsageError("--sent-on and --text-file say how a letter was sent: give --send-by too")

    def keep(written: Letter) -> None:  # the file first: one that cannot be written records no access
        if out:
            out.write_text(written.html if as_html else written.text, encoding="utf-8")

    with app_context() as app:
        if send_by is not None:
            if text_file is not None:  # the letter as sent, edited: an empty file is refused, never replaced by the draft
                body = _read_letter(text_file)
            else:
                body = letters.draft_letter(
                    app, case_id, kind, actor, meeting_date=meeting_date, meeting_place=meeting_place
                ).text
            sent = letters.send_letter(app, case_id, kind, actor, body, send_by, sent_on)
            echo(
                f"letter recorded: {sent.title}, sent {METHODS[sent.method]} on {sent.sent_on.isoformat()}; "
                f"its text is evidence {sent.evidence_id} (SHA-256 {sent.sha256})"
            )
            return
        written = letters.letter(app, case_id, kind, actor, meeting_date=meeting_date, meeting_place=meeting_place, deliver=keep)
    if out:
        echo(f"letter written to {out}")
    else:
        echo(written.html if as_html else written.text)


def _read_letter(path: Path) -> str:
    """A letter file as text: UTF-8, and no longer than a letter may be (a bigger file is not read whole)."""
    with path.open("rb") as stream:
        raw = stream.read(LETTER_MAX * 4 + 1)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise click.BadParameter(f"{path} is not UTF-8 text", param_hint="--text-file") from None
