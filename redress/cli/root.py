"""The root `redress` group; each command family lives in its own module and is added here."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def cli() -> None:
    """Redress: online complaints against the school community, carried through the school's procedure."""


def _register() -> None:
    # Imported here, not at the top, so that `redress --help` stays fast and modules stay independent.
    from redress.cli import (
        case_cmd,
        config_cmd,
        mailbox_cmd,
        outbox_cmd,
        report_cmd,
        serve_cmd,
        setup_cmd,
        worker_cmd,
        workflow_cmd,
    )

    cli.add_command(workflow_cmd.workflow)
    cli.add_command(config_cmd.config)
    cli.add_command(setup_cmd.init)
    cli.add_command(setup_cmd.people)
    cli.add_command(case_cmd.case)
    cli.add_command(mailbox_cmd.mailbox)
    cli.add_command(outbox_cmd.outbox)
    case_cmd.case.add_command(outbox_cmd.letter)
    cli.add_command(worker_cmd.worker)
    cli.add_command(serve_cmd.serve)
    cli.add_command(report_cmd.report)

    from redress.cli import backup_cmd

    cli.add_command(backup_cmd.backup)
    cli.add_command(backup_cmd.restore)


_register()
