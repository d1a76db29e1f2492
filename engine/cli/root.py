"""The root `redress` group; each command family lives in its own module and is added here."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def cli() -> None:
    """Redress: online complaints against the school community, carried through the school's procedure."""


def _register() -> None:
    # Imported here, not at the top, so that `redress --help` stays fast and modules stay independent.
    from . import workflow_cmd

    cli.add_command(workflow_cmd.workflow)


_register()
