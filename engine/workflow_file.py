"""Which workflow file a command reads: the one named, the `workflow` setting, or the one shipped with Redress."""

from __future__ import annotations

from pathlib import Path

import workflows
from engine.errors import BadInput
from engine.settings import DEFAULT, Settings


def workflow_path(settings: Settings, named: Path | None = None) -> Path:
    """The workflow file to load: the one named (--workflow), else the `workflow` setting; when that is
    the default and there is no ./workflows.yaml, the one shipped with Redress. BadInput, naming
    --workflow, when the file named or set is not there."""
    if named is not None:
        if not named.is_file():
            raise BadInput(f"no workflow file at {named}: give the path of a workflows.yaml with --workflow PATH")
        return named
    configured = Path(settings.workflow)
    if configured.is_file():
        return configured
    if settings.source("workflow") == DEFAULT:
        return workflows.SHIPPED
    raise BadInput(
        f"no workflow file at {configured} (the workflow setting, from {settings.source('workflow')}): "
        "give the path of a workflows.yaml with --workflow PATH, or correct the setting"
    )
