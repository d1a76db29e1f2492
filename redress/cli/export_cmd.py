"""`redress case export`: the bundle for a solicitor or the police, as one ZIP."""

from __future__ import annotations

from pathlib import Path

import click

from redress.cli.common import app_context, as_option
from redress.cli.params import ID, OutFile


@click.command("export")
@click.argument("case_id", type=ID)
@click.option(
    "--redacted",
    is_flag=True,
    help="Replace the names of pupils, and of staff other than the person concerned, with references; leave evidence files out.",
)
@as_option
@click.option("--out", type=OutFile(), required=True, metavar="FILE.zip", help="Where to write the ZIP.")
def export(case_id: int, redacted: bool, actor: str, out: Path) -> None:
    """Export a case: chronology (HTML and PDF), evidence, audit trail, verification, MANIFEST.sha256."""
    from engine.commands.export import export_case

    with app_context() as app:
        result = export_case(app, case_id, actor, out, redacted=redacted)
    click.echo(
        f"case #{case_id} exported to {result.path}: {len(result.files)} file(s), manifest sha256 {result.manifest_sha256}"
    )
    if not result.pdf:
        click.echo(f"NOTE: {result.pdf_message}")
    for line in result.left_out:
        click.echo(f"left out: {line}")
    if not result.verified:
        click.echo("WARNING: the case did not verify at export (see verification.json):")
        for problem in result.problems:
            click.echo(f"  {problem}")
