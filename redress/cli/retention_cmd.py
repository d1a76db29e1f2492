"""`redress retention plan|purge|certificates`, `redress case hold|release` and `redress case erase-evidence`:
erasure under the retention schedule, legal holds and mistaken uploads, through the same engine commands as
the pages and the API (engine.commands.erasure, engine.commands.retention)."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from engine.commands import erasure
from engine.commands import retention as schedule
from redress.cli.common import app_context, as_option, json_option
from redress.cli.params import ID

reason_option = click.option("--reason", required=True, help="Why: kept in the record with it.")


@click.group("retention")
def retention() -> None:
    """The retention schedule: what falls due, the purge, the certificates of erasure."""


@retention.command("plan")
@as_option
@json_option
def plan(actor: str, as_json: bool) -> None:
    """List every closed case whose content is still held: its rule, when it falls due, and why."""
    with app_context() as app:
        lines = schedule.plan_retention(app, actor)
    if as_json:
        click.echo(json.dumps([asdict(line) for line in lines], indent=2))
        return
    if not lines:
        click.echo("no closed case holds content: nothing falls due")
        return
    words = {"due": "DUE", "held": "HELD", "kept": "kept", "review": "REVIEW"}
    for line in lines:
        click.echo(f"case #{line.case_id} [{words.get(line.status, line.status)}] {', '.join(line.categories)}; {line.why}")


@retention.command("purge")
@click.option("--case", "case_ids", type=ID, multiple=True, help="Only this case, which must be due (repeat).")
@as_option
def purge(case_ids: tuple[int, ...], actor: str) -> None:
    """Erase the content of the cases due under the schedule (held cases never); a certificate for each."""
    with app_context() as app:
        done = schedule.purge(app, actor, case_ids or None)
    if not done:
        click.echo("nothing is due: no case was purged")
    for certificate in done:
        click.echo(f"case #{certificate.case_id}: content erased under '{certificate.rule}' (certificate {certificate.id})")


@retention.command("certificates")
@click.option("--case", "case_id", type=ID, help="Only this case's certificates.")
@as_option
@json_option
def certificates(case_id: int | None, actor: str, as_json: bool) -> None:
    """Every certificate of erasure: what went, when, under which rule, by whom."""
    with app_context() as app:
        found = erasure.certificates(app, actor, case_id)
    if as_json:
        click.echo(json.dumps([{**asdict(c), "at": c.at.isoformat(timespec="seconds")} for c in found], indent=2))
        return
    if not found:
        click.echo("no certificates of erasure")
    for c in found:
        click.echo(f"certificate {c.id}: case #{c.case_id}, {app.local(c.at)}, by {c.actor}, under: {c.rule_title}")
        for line in c.what:
            click.echo(f"  - {line}")
        click.echo(f"  trail event {c.event_seq} ({c.event_hash[:16]}…)")


@click.command("hold")
@click.argument("case_id", type=ID)
@reason_option
@as_option
def hold(case_id: int, reason: str, actor: str) -> None:
    """Put a case under a legal hold (legal advice, the police): it is never purged while held."""
    with app_context() as app:
        erasure.hold_case(app, case_id, actor, reason)
    click.echo(f"case #{case_id} is under a legal hold")


@click.command("release")
@click.argument("case_id", type=ID)
@reason_option
@as_option
def release(case_id: int, reason: str, actor: str) -> None:
    """Release a case's legal hold: the retention schedule applies to it again."""
    with app_context() as app:
        erasure.release_hold(app, case_id, actor, reason)
    click.echo(f"case #{case_id}: legal hold released")


@click.command("erase-evidence")
@click.argument("case_id", type=ID)
@click.argument("evidence_id", type=ID)
@reason_option
@as_option
def erase_evidence(case_id: int, evidence_id: int, reason: str, actor: str) -> None:
    """Erase an evidence file uploaded by mistake: it leaves the store; a tombstone keeps who, when, why and its SHA-256."""
    with app_context() as app:
        certificate = erasure.erase_evidence(app, case_id, actor, evidence_id, reason)
    click.echo(f"case #{case_id}: evidence #{evidence_id} erased (certificate {certificate.id})")
