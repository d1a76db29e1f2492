"""`redress worker`: fire deadlines as they fall due and send the email, until stopped (or once)."""

from __future__ import annotations

import logging
from datetime import datetime

import click

from redress.cli.common import app_context
from redress.cli.params import COUNT, INSTANT, in_zone


@click.command()
@click.option("--once", is_flag=True, help="Fire what is due, send the digest or review if due, send the outbox once, and exit.")
@click.option(
    "--now",
    "now",
    type=INSTANT,
    metavar="ISO",
    help="With --once: act as if it were this moment (school time unless it has an offset), e.g. 2026-03-02T09:00.",
)
@click.option("--batch", type=COUNT, default=200, show_default=True, metavar="N", help="Deadlines fired per transaction.")
@click.option("--progress", is_flag=True, help="Print one line as each batch of deadlines is committed.")
def worker(once: bool, now: datetime | None, batch: int, progress: bool) -> None:
    """Fire deadlines (reminders and escalations) when they fall due, and send the outbox.

    Runs until Ctrl+C or SIGTERM, finishing the batch it is firing. Deadlines missed while no
    worker ran fire once, at start. With --once it prints one line saying what it did. With --progress
    it also prints (and flushes) `redress worker: committed fired N deadline(s): ...` after each batch's
    transaction commits: what a crash from then on can no longer undo."""
    from engine.rules.clock import FixedClock
    from engine.worker.loop import run_worker

    if now is not None and not once:
        raise click.UsageError("--now needs --once: a worker that keeps running follows the real clock")
    with app_context(warm=True) as app:
        if now is not None:
            app.clock = FixedClock(in_zone(now, app.zone))
        if not once:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s redress worker: %(message)s")
            logging.getLogger("apscheduler").setLevel(logging.ERROR)
        committed = (lambda done: click.echo(f"redress worker: committed {done.summary()}")) if progress else None
        result = run_worker(app, once=once, batch=batch, on_batch=committed)
        if result is not None:
            click.echo(f"redress worker: {result.summary()}")
