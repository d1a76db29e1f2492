"""`redress mailbox`: catch the email Redress sends, on this machine, for trying it out and development."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from notifications.mailbox import StoredMessage

DEFAULT_DIR = Path("mail")
DEFAULT_PORT = 8025


@click.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DIR,
    metavar="DIR",
    show_default=True,
    help="The Maildir folder the messages are kept in.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    metavar="N",
    help="The port to listen on (127.0.0.1 only).",
)
@click.option("--list", "list_", is_flag=True, help="List the messages caught so far, and exit.")
@click.option("--show", type=click.IntRange(min=1), metavar="N", help="Print message N (as numbered by --list), and exit.")
def mailbox(folder: Path, port: int, list_: bool, show: int | None) -> None:
    """Run a local mail catcher: an SMTP server on 127.0.0.1 that keeps every message in DIR.

    Point Redress's SMTP settings at 127.0.0.1 and PORT; nothing reaches a real inbox."""
    from notifications.errors import NotificationError
    from notifications.mailbox import list_messages, run_mailbox, show_message

    try:
        if show is not None:
            click.echo(show_message(folder, show))
        elif list_:
            _print_list(folder, list_messages(folder))
        else:
            ready = f"redress mailbox: listening on 127.0.0.1:{{}}, keeping messages in {folder}/ (Ctrl+C to stop)"
            run_mailbox(folder, port=port, on_ready=lambda bound: click.echo(ready.format(bound), err=True))
    except NotificationError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from exc


def _print_list(folder: Path, messages: list[StoredMessage]) -> None:
    if not messages:
        click.echo(f"no messages in {folder}/")
        return
    for message in messages:
        click.echo(f"{message.number:>4}  {message.date:<31}  {message.to:<40.40}  {message.subject}")
