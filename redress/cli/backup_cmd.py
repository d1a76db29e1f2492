"""`redress backup` and `redress restore`: the database and the evidence files in one checked archive."""

from __future__ import annotations

from pathlib import Path

import click

from redress.cli.common import app_context, json_option, print_json


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Where to write the archive (default: ./redress-backup-<UTC time>.tar.gz).",
)
@json_option
def backup(out: Path | None, as_json: bool) -> None:
    """Write a consistent copy of the database and the evidence files to one tar.gz (mode 0600).

    Safe while the web app and the worker run. The archive holds MANIFEST.sha256 (check it with
    `sha256sum -c` after unpacking) and backup.json (version, schema, counts)."""
    from engine.commands.backup import take_backup
    from engine.commands.backup_archive import describe

    with app_context() as app:
        result = take_backup(app, out)
    if as_json:
        print_json({"path": str(result.path), "sha256": result.sha256, **describe(result.info)})
        return
    counts = result.info.counts
    click.echo(f"backup written to {result.path}: {counts['cases']} cases, {counts['events']} events, "
               f"{counts['evidence_files']} evidence files; sha256 {result.sha256}")  # fmt: skip


@click.command()
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "database_url", metavar="DATABASE_URL", help="The database to restore to (default: the configured one).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to put the evidence files "
              "(default: the configured data_dir).")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace what the database holds (stop the web app and the worker first).")
def restore(archive: Path, database_url: str | None, data_dir: Path | None, force: bool) -> None:
    """Restore a backup: refused, with nothing written, unless every file matches the manifest.

    Then checks what it restored: the counts in backup.json, every case's audit trail, every evidence file."""
    from engine.commands.backup import restore_backup
    from engine.settings import load_settings

    settings = load_settings()
    result = restore_backup(
        archive,
        database_url or settings.database_url,
        data_dir or Path(settings.data_dir),
        force=force,
        totp_key=settings.totp_key,
    )
    counts = result.info.counts
    click.echo(f"restored {archive.name} (taken {result.info.created_at:%Y-%m-%d %H:%M} UTC) to {result.database}: "
               f"{counts['cases']} cases, {counts['events']} events, {counts['evidence_files']} evidence files in "
               f"{result.data_dir}; counts match, every audit trail verifies ({result.cases_verified} cases)")  # fmt: skip
    if result.upgraded:
        click.echo("the schema was older than this Redress: it was upgraded after the restore")
