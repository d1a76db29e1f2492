"""The root `redress` group; each command family lives in its own module and is added here."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def cli() -> None:
    """Redress: online complaints against the school community, carried through the school's procedure."""


def _register() -> None:
    # Imported here, not at the top, so that `redress --help` stays fast and modules stay independent.
    from . import case_cmd, config_cmd, setup_cmd, workflow_cmd

    cli.add_command(workflow_cmd.workflow)
    cli.add_command(config_cmd.config)
    cli.add_command(setup_cmd.init)
    cli.add_command(setup_cmd.people)
    cli.add_command(case_cmd.case)


_register()
