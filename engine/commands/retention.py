"""`redress retention plan|purge|certificates`: the retention schedule applied to the closed cases, and
the purge that erases the content of those due (engine.commands.erasure), each with its certificate.

A case under a legal hold is never purged; a case whose rule needs a date Redress does not hold (a member
of staff's retirement age) is listed for review by hand, never purged automatically.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.commands.cases import SYSTEM_ACTOR, Actor, load_case, resolve_actor
from engine.commands.erasure import CertificateView, certificate_view, erase_case_content, require_power, take_files
from engine.context import Redress
from engine.errors import Refused
from engine.rules.access import Power
from engine.rules.retention import Assessment, assess, rule_for
from store import Case

log = logging.getLogger("redress.retention")


@dataclass(frozen=True)
class PlanLine:
    """One closed case as the schedule sees it."""

    case_id: int
    categories: tuple[str, ...]
    outcome: str | None
    closed: str
    rule: str
    rule_title: str
    status: str
    """due, held, kept or review (engine.rules.retention.Status)."""
    due_on: str | None
    why: str


def _assessments(app: Redress, session: Session, case_ids: Collection[int] | None = None) -> list[Assessment]:
    query = (
        select(Case.id, Case.categories, Case.outcome, Case.opened_at, Case.closed_at, Case.held_at, Case.held_reason)
        .where(Case.closed_at.is_not(None), Case.erased_at.is_(None))
        .order_by(Case.id)
    )
    if case_ids is not None:
        query = query.where(Case.id.in_(list(case_ids)))
    today = app.clock.now().astimezone(app.zone).date()
    return [a for a in (_assessed(app, row, today) for row in session.execute(query)) if a is not None]


def _assessed(app: Redress, case: Any, today: date) -> Assessment | None:
    """A closed case (a row, or the Case itself) against the schedule; None if no rule names it (a schedule
    without a catch-all keeps what it does not name)."""
    rule = rule_for(app.settings.retention_rules, case.categories, case.outcome)
    if rule is None:
        return None
    return assess(
        case.id,
        rule,
        opened_on=case.opened_at.astimezone(app.zone).date(),
        closed_on=case.closed_at.astimezone(app.zone).date(),
        held_reason=case.held_reason if case.held_at is not None else None,
        today=today,
    )


def plan_retention(app: Redress, actor_email: str | None) -> tuple[PlanLine, ...]:
    """Every closed case whose content is still held, with its rule and what falls due when (and why)."""
    with app.db.reading() as session:
        actor = resolve_actor(session, actor_email)
        require_power(app, session, actor, Power.ERASE_RECORDS, "read the retention plan")
        found = _assessments(app, session)
        cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_([a.case_id for a in found])))}
        spec = app.current_workflow(session).spec
        return tuple(
            PlanLine(
                a.case_id,
                tuple(spec.categories[c].label if c in spec.categories else c for c in cases[a.case_id].categories),
                cases[a.case_id].outcome,
                app.local(cases[a.case_id].closed_at),
                a.rule.name,
                a.rule.title,
                a.status,
                a.due_on.isoformat() if a.due_on else None,
                a.why,
            )
            for a in found
        )


def purge(app: Redress, actor_email: str | None, case_ids: Collection[int] | None = None) -> tuple[CertificateView, ...]:
    """Erase the content of every case due (or of those named, each of which must be due), one unit of work
    a case, each with its certificate; `actor_email` None is the worker's monthly run. Held cases are skipped."""
    with app.db.reading() as session:
        actor = resolve_actor(session, actor_email)
        if actor_email is not None:
            require_power(app, session, actor, Power.ERASE_RECORDS, "purge cases under the retention schedule")
        for case_id in case_ids or ():
            load_case(session, case_id)  # the NotFound with its hint
        due = {a.case_id: a for a in _assessments(app, session, case_ids)}
    if case_ids is not None:
        for case_id in case_ids:
            a = due.get(case_id)
            if a is None or a.status != "due":
                raise Refused(f"case {case_id} is not due to be purged: {a.why if a else 'it is open, or its content is gone'}")
    done = []
    for a in due.values():
        if a.status == "due":
            done.append(_purge_one(app, a, actor_email))
    return tuple(done)


def erase_on_closure(app: Redress, session: Session, case: Case, actor: Actor) -> list[str]:
    """As a case closes, in the unit of work that closes it: a rule with no period (an allegation against staff
    found malicious, KCSIE) erases its details at once, with a certificate, so no crash can leave them behind
    the closure. A held case keeps them (the plan says so; the purge takes them later). Returns the files to
    take from the store once committed (engine.commands.erasure.take_files)."""
    if case.closed_at is None or case.erased_at is not None:
        return []
    # Assessed from the case as this unit of work holds it (it was shown every value it wrote): not read again.
    a = _assessed(app, case, app.clock.now().astimezone(app.zone).date())
    if a is None or a.rule.years != 0 or a.status != "due":
        return []
    _, files = erase_case_content(app, session, case, actor, a.rule.name, f"{a.rule.title} ({a.rule.source})", app.clock.now())
    return files


def _purge_one(app: Redress, a: Assessment, actor_email: str | None) -> CertificateView:
    with app.db.unit_of_work() as session:
        case = load_case(session, a.case_id)
        who = resolve_actor(session, actor_email) if actor_email is not None else SYSTEM_ACTOR
        title = f"{a.rule.title} ({a.rule.source})"
        certificate, files = erase_case_content(app, session, case, who, a.rule.name, title, app.clock.now())
        view = certificate_view(certificate)
    take_files(app, files)
    return view


def purge_due(app: Redress) -> tuple[CertificateView, ...]:
    """The worker's monthly run: purge what is due, only when the school turned the purge on."""
    if not app.settings.retention_purge_enabled:
        return ()
    done = purge(app, None)
    if done:
        log.info("retention: the content of %d case(s) erased: %s", len(done), ", ".join(f"#{c.case_id}" for c in done))
    return done
