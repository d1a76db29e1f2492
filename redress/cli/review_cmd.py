"""`redress review`: the annual policy review's checklist, answered and signed off by the three reviewers the
policy names (the e-Safety coordinator, the headteacher, the nominated director). The same engine commands as
the page /review; `redress report annual` writes the whole review (figures and checklist) as HTML or PDF."""

from __future__ import annotations

import click

from engine.context import Redress
from redress.cli.common import app_context, as_option, echo
from redress.cli.params import YEAR

year_option = click.option("--year", type=YEAR, default=None, help="The calendar year under review (default: this year).")


def _year(app: Redress, year: int | None) -> int:
    return year if year is not None else app.clock.now().astimezone(app.zone).year


@click.group()
def review() -> None:
    """The annual policy review: show it, answer its checklist, sign it off (the three reviewers the policy names)."""


@review.command("show")
@year_option
@as_option
def show(year: int | None, actor: str) -> None:
    """The checklist as answered (Redress's offers from its records marked), the statement, who signed and the
    next review date."""
    from engine.commands.review import check_reader, reviewer_viewer
    from engine.queries.review import review_sheet
    from engine.rules.review import review_year

    with app_context() as app:
        with app.db.reading() as session:
            check_reader(reviewer_viewer(app, session, actor))
        sheet = review_sheet(app, review_year(_year(app, year), app.clock.now().astimezone(app.zone).date()))
        local = app.local
    echo(f"Annual review of {sheet.year}")
    for item in sheet.items:
        answer = item.answer_label or "not answered"
        source = (
            " (from Redress's records: not yet confirmed)"
            if item.from_data
            else (f" ({item.answered_by})" if item.answered_by else "")
        )
        echo(f"{item.number:>2}. {item.point}: {answer}{source}")
        if item.evidence:
            echo(f"    {item.evidence}")
    echo(f"Statement: {sheet.statement or 'not written'}")
    for signature in sheet.signatures:
        signed = f"signed by {signature.name} on {local(signature.at)}" if signature.at else "not signed"
        if signature.withdrawn_by_change:
            signed += " (an answer changed after they signed: they sign again)"
        echo(f"{signature.title.capitalize()}: {signed}")
    if sheet.next_review and sheet.signed_off_on:
        echo(f"Signed off on {sheet.signed_off_on:%d %B %Y}; next review due on {sheet.next_review:%d %B %Y}")
    else:
        echo("Not signed off yet")


@review.command("answer")
@year_option
@click.option("--point", type=int, metavar="N", help="The checklist point, numbered 1 to 26 as `redress review show` lists them.")
@click.option("--answer", "answer", metavar="YES|NO|N/A", help="The answer to the point.")
@click.option("--evidence", default="", help="The evidence for the answer.")
@click.option("--statement", default=None, help="The statement of the policy's overall effectiveness.")
@as_option
def answer(year: int | None, point: int | None, answer: str | None, evidence: str, statement: str | None, actor: str) -> None:
    """Answer one point of the checklist (with its evidence), or write the statement, as one of the reviewers."""
    from engine import BadInput
    from engine.commands.review import ReviewAnswer, answer_review

    if point is None and statement is None:
        raise BadInput("give --point N with --answer (and --evidence), or --statement")
    if point is not None and answer is None:
        raise BadInput(f"give --answer yes, no or n/a for point {point}")
    answers = [ReviewAnswer(point, answer or "", evidence)] if point is not None else []
    with app_context() as app:
        year = _year(app, year)
        changed = answer_review(app, actor, year, answers, statement)
    echo(f"Review of {year}: {'recorded' if changed else 'no change: that was already the answer'}")


@review.command("sign")
@year_option
@click.option(
    "--role",
    "capacity",
    required=True,
    metavar="coordinator|headteacher|nominated_director",
    help="Which of the three reviewers the policy names you sign as (you must hold that role).",
)
@as_option
def sign(year: int | None, capacity: str, actor: str) -> None:
    """Sign the review off as one of its three reviewers; the last of the three sets the next review date."""
    from engine.commands.review import sign_review

    with app_context() as app:
        year = _year(app, year)
        signed = sign_review(app, actor, year, capacity)
    if signed.next_review:
        echo(f"Signed as {signed.title}. The review of {year} is signed off; the next is due on {signed.next_review:%d %B %Y}")
    else:
        echo(f"Signed as {signed.title}. Still to sign: {' and '.join(signed.waiting_for)}")
