"""`redress case correct|staff|party|withdraw|reopen`: corrections to a case's record, each with a reason,
through the same engine commands as the case page and the API."""

from __future__ import annotations

import click

from engine.commands import corrections
from engine.queries import cases as queries
from redress.cli.common import app_context, as_option
from redress.cli.params import ID

reason_option = click.option("--reason", required=True, help="Why: kept in the record with the correction.")


@click.command("correct")
@click.argument("case_id", type=ID)
@click.option("--summary", help="What was posted, corrected.")
@click.option("--category", "categories", multiple=True, help="The case's categories, all of them (repeat).")
@reason_option
@as_option
def correct(case_id: int, summary: str | None, categories: tuple[str, ...], reason: str, actor: str) -> None:
    """Correct a case's summary or categories; prints each change, old -> new."""
    with app_context() as app:
        changes = corrections.correct_case(app, case_id, actor, reason, summary=summary, categories=categories or None)
    for change in changes:
        click.echo(f"{change['label']}: {change['old']} -> {change['new']}")


@click.command("staff")
@click.argument("case_id", type=ID)
@click.argument("how", type=click.Choice(["add", "remove"]))
@click.argument("email")
@reason_option
@as_option
def staff(case_id: int, how: str, email: str, reason: str, actor: str) -> None:
    """Add (they are told at once) or remove a member of staff concerned, by EMAIL."""
    with app_context() as app:
        if how == "add":
            corrections.add_party(app, case_id, actor, "staff", reason, email=email)
        else:
            wanted = email.strip().lower()
            party = next((p for p in queries.show_case(app, case_id).parties if p.kind == "staff" and p.email == wanted), None)
            if party is None:
                raise click.UsageError(f"{email} is not among the staff concerned in case {case_id}")
            corrections.remove_party(app, case_id, actor, party.id, reason)
    click.echo(f"case #{case_id}: {email} {'added to' if how == 'add' else 'removed from'} the staff concerned")


@click.command("party")
@click.argument("case_id", type=ID)
@click.argument("how", type=click.Choice(["add", "remove"]))
@click.option("--pupil", "reference", help="A pupil's reference, to add.")
@click.option("--poster", "name", help="A poster's name, to add.")
@click.option("--contact", help="The poster's contact.")
@click.option("--address", help="The poster's postal address (for letters).")
@click.option("--id", "party_id", type=ID, help="The party to remove (`case show --json` lists them).")
@reason_option
@as_option
def party(
    case_id: int,
    how: str,
    reference: str | None,
    name: str | None,
    contact: str | None,
    address: str | None,
    party_id: int | None,
    reason: str,
    actor: str,
) -> None:
    """Add or remove a pupil or a poster."""
    with app_context() as app:
        if how == "remove":
            if party_id is None:
                raise click.UsageError("give --id of the party to remove")
            corrections.remove_party(app, case_id, actor, party_id, reason)
            click.echo(f"case #{case_id}: party {party_id} removed")
            return
        if bool(reference) == bool(name):
            raise click.UsageError("give exactly one of --pupil REF or --poster NAME")
        kind: corrections.PartyKind = "pupil" if reference else "poster"
        new = corrections.add_party(
            app, case_id, actor, kind, reason, reference=reference, name=name, contact=contact, address=address
        )
    click.echo(f"case #{case_id}: {kind} added (party {new})")


@click.command("withdraw")
@click.argument("case_id", type=ID)
@click.argument("evidence_id", type=ID)
@reason_option
@as_option
def withdraw(case_id: int, evidence_id: int, reason: str, actor: str) -> None:
    """Withdraw an evidence item from the case's list (the file and its record stay)."""
    with app_context() as app:
        corrections.withdraw_evidence(app, case_id, actor, evidence_id, reason)
    click.echo(f"case #{case_id}: evidence #{evidence_id} withdrawn")


@click.command("reopen")
@click.argument("case_id", type=ID)
@reason_option
@as_option
def reopen(case_id: int, reason: str, actor: str) -> None:
    """Reopen a closed case into the stage its workflow declares for reopening."""
    with app_context() as app:
        stage = corrections.reopen_case(app, case_id, actor, reason)
    click.echo(f"case #{case_id} reopened at {stage}")
