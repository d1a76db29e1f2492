"""`redress verify`: check every case's trail, its state, every evidence file, the checkpoints and the
access log; exit 0 only when all hold."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from redress.cli.common import app_context, json_option, print_json
from redress.cli.params import ID


@click.command()
@click.option("--case", "case_id", type=ID, help="Only this case (its chain, state and files, and the checkpoints).")
@click.option(
    "--against",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Checkpoints kept elsewhere (a copy of checkpoints.log, or one digest a line) the database must still match.",
)
@click.option(
    "--checkpoint", is_flag=True, help="Then take a checkpoint of every chain's head (also appended to checkpoints.log)."
)
@json_option
def verify(case_id: int | None, against: Path | None, checkpoint: bool, as_json: bool) -> None:
    """Verify the record: hashes, signatures, heads, checkpoints, state against history, evidence files.

    Names every case, event or file that fails. Prints progress on a terminal (stderr). A run over
    every case is kept, and shown on the headteacher's dashboard and in the daily digest."""
    from engine.commands.checkpoints import take_checkpoint
    from engine.commands.integrity import as_json as result_json
    from engine.commands.integrity import record_result
    from engine.commands.integrity import verify as run

    started = time.monotonic()
    progress = _progress(started) if sys.stderr.isatty() and not as_json else None
    with app_context() as app:
        result = run(app, case_id=case_id, against=against, progress=progress)
        point = take_checkpoint(app) if checkpoint else None
        if case_id is None:
            record_result(app, result, point)
    if progress:
        click.echo("", err=True)
    if as_json:
        payload = result_json(result)
        if point:
            payload["new_checkpoint"] = {"seq": point.seq, "hash": point.hash, "heads_digest": point.heads_digest}
        print_json(payload)
    else:
        _print(result, point, time.monotonic() - started)
    if not result.ok:
        raise SystemExit(1)


def _progress(started: float):  # type: ignore[no-untyped-def]
    def show(cases: int, events: int) -> None:
        click.echo(f"\rverifying: {cases:,} cases, {events:,} events ({time.monotonic() - started:.0f} s)", err=True, nl=False)

    return show


def _print(result, point, seconds: float) -> None:  # type: ignore[no-untyped-def]
    for problem in result.problems:
        click.echo(f"FAILED: {problem}")
    if result.more:
        click.echo(f"... and {result.more} more problem(s)")
    unsigned = f"; {result.unsigned} event(s) unsigned (before integrity keys)" if result.unsigned else ""
    erased = (
        f"; {result.erased} event(s) erased (content removed under a recorded erasure, not tampered with)"
        if result.erased
        else ""
    )
    counted = f"{result.cases} case(s), {result.events} event(s), {result.files} evidence file(s){unsigned}{erased}"
    click.echo(f"verified: {counted}: all hold ({seconds:.1f} s)" if result.ok else f"NOT VERIFIED: {counted}")
    if result.checkpoint:
        click.echo(
            f"latest checkpoint: {result.checkpoint.seq} of {result.checkpoint.at:%Y-%m-%d %H:%M} UTC, {result.checkpoint.hash}"
        )
    if point:
        click.echo(f"checkpoint {point.seq} taken: {point.hash} ({point.cases} case(s)); appended to checkpoints.log")
