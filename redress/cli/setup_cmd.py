"""`redress init` and `redress people ...`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from engine.commands.people import add_person, deactivate, list_people, reactivate, set_roles
from engine.context import Redress
from engine.settings_values import masked_url
from redress.cli.common import app_context, echo, json_option, print_json
from redress.cli.params import EMAIL, NAME


@click.command()
@click.option(
    "--workflow",
    "workflow_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The workflow file to load (default: the workflow setting, ./workflows.yaml; without either, the one shipped with Redress).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="When nobody is in Redress yet, add a demo school: a person for every role "
    "(their passwords printed once) and a few cases at different stages.",
)
def init(workflow_file: Path | None, demo: bool) -> None:
    """Create or upgrade the database and load the workflow as the current version."""
    from engine.commands.setup import init as init_database  # here: Alembic is for this command only

    with app_context(create=True) as app:
        result = init_database(app, workflow_file)
        state = "loaded as a new version" if result.new_version else "already loaded"
        echo(
            f"database ready at {masked_url(app.settings.database_url)}; "
            f"workflow '{result.name}' {state} ({result.content_hash[:12]})"
        )
        if demo:
            _demo(app)


def _demo(app: Redress) -> None:
    from redress.demo import seed

    logins = seed(app)
    if not logins:
        echo("people are already in Redress: no demo school added")
        return
    echo("demo school added. Sign in with these (shown only this once):")
    for login in logins:
        echo(f"  {', '.join(login.roles):<20} {login.email:<36} {login.password}")


@click.group()
def people() -> None:
    """The people who use Redress, and their roles."""


@people.command("add")
@click.option("--name", type=NAME, required=True, help="Their full name, as it appears in emails.")
@click.option("--email", type=EMAIL, required=True, help="Their school email address.")
@click.option("--role", "roles", multiple=True, required=True, help="A role from workflows.yaml (repeat for several).")
def people_add(name: str, email: str, roles: tuple[str, ...]) -> None:
    """Add a person with one or more roles."""
    with app_context() as app:
        person = add_person(app, name, email, roles)
        echo(f"added {person.name} <{person.email}> as {', '.join(person.roles)}")


@people.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def people_set_password(email: str, password_stdin: bool) -> None:
    """Set the password EMAIL signs in to the web app with (stored as an argon2 hash)."""
    from engine.commands.auth import set_password

    password: str
    if password_stdin:
        line: str = sys.stdin.readline()
        password = line.rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt="Repeat it")
    with app_context() as app:
        person = set_password(app, email, password)
        echo(f"password set for {person.name} <{person.email}>")


@people.command("list")
@json_option
def people_list(as_json: bool) -> None:
    """List everyone, with their roles."""
    with app_context() as app:
        rows: list[dict[str, Any]] = [
            {"name": p.name, "email": p.email, "roles": p.roles, "active": p.active} for p in list_people(app)
        ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        echo(f"{row['name']:<30} {row['email']:<40} {', '.join(row['roles'])}{'' if row['active'] else ' (inactive)'}")


@people.command("set-roles")
@click.argument("email")
@click.option("--role", "roles", multiple=True, help="A role from workflows.yaml (repeat for several; none leaves them no role).")
def people_set_roles(email: str, roles: tuple[str, ...]) -> None:
    """Replace the roles of EMAIL (their sessions end; the last person who manages people keeps that role)."""
    with app_context() as app:
        person = set_roles(app, email, roles)
        echo(f"{person.name} <{person.email}> now has the roles: {', '.join(person.roles) or 'none'}")


@people.command("deactivate")
@click.argument("email")
def people_deactivate(email: str) -> None:
    """A leaver: EMAIL can no longer sign in, and every session of theirs ends. Lists the open work to hand on."""
    from engine.queries.people import open_work

    with app_context() as app:
        person = deactivate(app, email)
        work = open_work(app, person.id)
        echo(f"deactivated {person.name} <{person.email}>")
        for item in work:
            echo(f"  case #{item.case_id} ({item.stage_title}): {item.what}")
        if work:
            echo("give their roles to someone else so these cases do not wait: redress people set-roles EMAIL --role ...")


@people.command("reactivate")
@click.argument("email")
def people_reactivate(email: str) -> None:
    """EMAIL may sign in again, with the roles they had."""
    with app_context() as app:
        person = reactivate(app, email)
        echo(f"reactivated {person.name} <{person.email}> as {', '.join(person.roles) or 'no role'}")


@people.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Say what would change, and change nothing.")
def people_import(file: Path, dry_run: bool) -> None:
    """Add staff from a CSV file with the columns name,email,roles (roles separated by ';').

    Everyone is imported or nobody is: a bad row stops the whole file, named by its line."""
    from engine.commands.people_import import import_people

    try:
        content = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.BadParameter(f"{file} is not UTF-8 text: save it as 'CSV UTF-8'") from exc
    with app_context() as app:
        plan = import_people(app, content, dry_run=dry_run)
    verb = "would be" if dry_run else "were"
    for row in plan.added:
        echo(f"  add      line {row.line}: {row.name} <{row.email}> as {', '.join(row.roles) or 'no role'}")
    for row, before in plan.changed:
        echo(f"  roles    line {row.line}: {row.email}: {', '.join(before) or 'none'} -> {', '.join(row.roles) or 'none'}")
    for line, what in plan.errors:
        echo(f"  BAD      line {line}: {what}")
    echo(
        f"{len(plan.added)} {verb} added, {len(plan.changed)} {verb} given other roles, {len(plan.unchanged)} unchanged"
        + (f", {len(plan.errors)} bad rows: nothing would be imported" if plan.errors else "")
    )
    if plan.errors:
        raise SystemExit(1)
