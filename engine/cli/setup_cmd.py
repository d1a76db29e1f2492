"""`redress init` and `redress people ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..people import add_person, list_people
from ..setup import init as init_database
from .common import app_context, json_option, print_json


@click.command()
@click.option("--workflow", "workflow_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The workflow file to load (default: the configured one, ./workflows.yaml).")
def init(workflow_file: Path | None) -> None:
    """Create or upgrade the database and load the workflow as the current version."""
    with app_context() as app:
        result = init_database(app, workflow_file)
        state = "loaded as a new version" if result.new_version else "already loaded"
        click.echo(f"database ready at {app.db.engine.url.render_as_string(hide_password=True)}; "
                   f"workflow '{result.name}' {state} ({result.content_hash[:12]})")


@click.group()
def people() -> None:
    """The people who use Redress, and their roles."""


@people.command("add")
@click.option("--name", required=True, help="Their full name, as it appears in emails.")
@click.option("--email", required=True, help="Their school email address.")
@click.option("--role", "roles", multiple=True, required=True, help="A role from workflows.yaml (repeat for several).")
def people_add(name: str, email: str, roles: tuple[str, ...]) -> None:
    """Add a person with one or more roles."""
    with app_context() as app:
        person = add_person(app, name, email, roles)
        click.echo(f"added {person.name} <{person.email}> as {', '.join(person.roles)}")


@people.command("list")
@json_option
def people_list(as_json: bool) -> None:
    """List everyone, with their roles."""
    with app_context() as app:
        rows: list[dict[str, Any]] = [{"name": p.name, "email": p.email, "roles": p.roles, "active": p.active} for p in list_people(app)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['name']:<30} {row['email']:<40} {', '.join(row['roles'])}{'' if row['active'] else ' (inactive)'}")
