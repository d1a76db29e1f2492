"""Corrections to a case's record, and reopening a closed case: each one unit of work with a reason.

A correction is a new audit event holding the old value, the new value, who and why (invariant 4:
corrections are new events, never edits of old ones). Evidence is withdrawn, never deleted: the row and
its file stay in the store and in the trail, so custody is never broken.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.commands import tracks
from engine.commands.cases import Actor, load_case, parties_digest, resolve_actor
from engine.commands.deadlines import cancel_pending, start_stage_deadlines
from engine.commands.legal_hold import hold_entered
from engine.commands.notify import Renders, case_context, queue, rendered_first
from engine.commands.people import person_by_email
from engine.context import Redress
from engine.errors import BadInput, NotFound, Refused
from engine.rules import actions as rules
from engine.rules import inputs
from engine.rules import tracks as routing
from engine.rules.access import STAFF_CONCERNED, Power, holds, only
from store import Case, Evidence, Party, audit, table_of
from workflows import MAIN, Workflow

PartyKind = Literal["staff", "pupil", "poster"]
MAX_REASON = 2000


@dataclass(frozen=True)
class _Correcting:
    session: Session
    case: Case
    spec: Workflow
    actor: Actor
    reason: str
    now: datetime

    def record(self, kind: str, data: dict[str, Any], *, stage_before: str | None = None) -> None:
        """The correction's event; the case row moves to its next version with it (the trail's replay counts
        one version a correction, and an edit made at the same moment conflicts instead of passing unseen)."""
        _next_version(self.session, self.case)
        audit.append(
            self.session,
            self.case.id,
            at=self.now,
            actor=self.actor.label,
            actor_id=self.actor.id,
            kind=kind,
            stage_before=stage_before or self.case.stage,
            stage_after=self.case.stage,
            data={**data, "reason": self.reason},
        )


def _reason(reason: str) -> str:
    if not (reason or "").strip():
        raise BadInput("say why: a correction to the record needs a reason, which is kept with it", field="reason")
    with inputs.about("reason"):
        why = inputs.text(reason, "the reason", limit=MAX_REASON, required=True)
    return why


def _next_version(session: Session, case: Case) -> None:
    """Flush the case's own changes (the ORM moves its version once if there are any), else move the version
    here: either way one correction is one version, which `redress verify` replays."""
    before = case.version
    session.flush()
    if case.version != before:
        return
    cases = table_of(Case)
    moved = session.connection().execute(
        update(cases).where(cases.c.id == case.id, cases.c.version == before).values(version=before + 1)
    )
    if moved.rowcount != 1:
        raise Refused(f"case {case.id} was changed by someone else while you were correcting it: look again and retry")
    set_committed_value(case, "version", before + 1)


@contextmanager
def _correcting(app: Redress, case_id: int, actor_email: str, reason: str) -> Iterator[_Correcting]:
    """One correction: the case, a record keeper acting, a reason; the caller's changes and event commit together."""
    why = _reason(reason)
    with app.db.unit_of_work() as session:
        case = load_case(session, case_id)
        actor = resolve_actor(session, actor_email)
        powers = app.current_workflow(session).spec
        if actor.person is None or not holds(powers, actor.roles(), Power.KEEP_RECORDS):
            raise Refused(f"{only(powers, Power.KEEP_RECORDS, 'correct a case')}; {actor.label} may not")
        yield _Correcting(session, case, app.compiled(case.workflow_id).spec, actor, why, app.clock.now())
        session.flush()


def correct_case(
    app: Redress,
    case_id: int,
    actor_email: str,
    reason: str,
    *,
    summary: str | None = None,
    categories: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Correct a case's summary and categories; returns the changes (old and new), also kept in the trail."""
    with _correcting(app, case_id, actor_email, reason) as c:
        changes: list[dict[str, Any]] = []
        with inputs.about("summary"):
            new_summary = inputs.summary(summary) if summary is not None and summary.strip() else None
        if new_summary is not None and new_summary != c.case.summary:
            changes.append({"field": "summary", "label": "What was posted", "old": c.case.summary, "new": new_summary})
            c.case.summary = new_summary
        if categories is not None:
            with inputs.about("categories"):
                new = rules.check_categories(c.spec, inputs.names(categories, "a category"))
            if new != list(c.case.categories):
                label = {k: v.label for k, v in c.spec.categories.items()}
                changes.append(
                    {
                        "field": "categories",
                        "label": "Categories",
                        "old": [label.get(x, x) for x in c.case.categories],
                        "new": [label.get(x, x) for x in new],
                        "old_names": list(c.case.categories),
                        "new_names": new,
                    }
                )
                c.case.categories = new
        if not changes:
            raise Refused("nothing to correct: the details given are those already recorded")
        c.record("corrected", {"changes": changes})
        return changes


def add_party(
    app: Redress,
    case_id: int,
    actor_email: str,
    kind: PartyKind,
    reason: str,
    *,
    email: str | None = None,
    name: str | None = None,
    contact: str | None = None,
    address: str | None = None,
    reference: str | None = None,
) -> int:
    """Add a member of staff concerned (told at once, as at opening), a pupil or a poster; returns the party's id.
    The reassurance email is rendered before the write transaction (engine.commands.notify.rendered_first)."""

    def command(renders: Renders, rehearsal: bool) -> int:
        with _correcting(app, case_id, actor_email, reason) as c, renders.staged(c.session, rehearsal):
            data: dict[str, Any] = {"party": kind}
            if kind == "staff":
                with inputs.about("email"):
                    person = person_by_email(c.session, inputs.email(email or ""))
                if any(p.kind == "staff" and p.person_id == person.id for p in c.case.parties):
                    raise Refused(f"{person.name} is already among the staff concerned")
                party = Party(kind="staff", person=person)
                data["person"] = person.email
            elif kind == "pupil":
                if not (reference or "").strip():
                    raise BadInput("give the pupil's reference (initials or an admission number: never more)", field="reference")
                with inputs.about("reference"):
                    party = Party(kind="pupil", reference=inputs.name(reference or "", "the pupil's reference"))
                data["reference"] = party.reference
            else:
                if not (name or "").strip():
                    raise BadInput("give the poster's name", field="name")
                with inputs.about("name"):
                    poster = inputs.name(name or "", "the poster's name")
                with inputs.about("contact"):
                    reach = inputs.optional_name(contact, "the poster's contact", limit=inputs.URL_MAX)
                with inputs.about("address"):
                    post = inputs.text(address or "", "the poster's address", limit=inputs.DESCRIPTION_MAX) or None
                party = Party(kind="poster", name=poster, contact=reach, address=post)
                data.update(name=party.name, contact=party.contact, address=party.address)
            c.case.parties.append(party)
            c.session.flush()
            if kind == "staff" and party.person is not None:
                data["notified"] = _reassure(app, c, party)
            c.record("party_added", {**data, "parties_digest": parties_digest(c.case.parties)})
            return party.id

    return rendered_first(app, command)


def _reassure(app: Redress, c: _Correcting, party: Party) -> list[str]:
    """What the staff concerned are told at opening, told now to the one added (and only to them)."""
    sent = []
    for note in c.spec.open.notify:
        if STAFF_CONCERNED in note.to and rules.applies(c.spec, note, c.case.categories) and party.person is not None:
            context = {
                "case": case_context(app, c.spec, c.case),
                "actor": {"name": c.actor.name},
                "action": None,
                "deadline": None,
                "reason": None,
            }
            if queue(app, c.session, c.case, note.template, [party.person], context):
                sent.append(note.template)
    return sent


def remove_party(app: Redress, case_id: int, actor_email: str, party_id: int, reason: str) -> None:
    """Take someone off the case: a member of staff removed no longer sees the matter."""
    with _correcting(app, case_id, actor_email, reason) as c:
        party = next((p for p in c.case.parties if p.id == party_id), None)
        if party is None:
            raise NotFound(f"case {case_id} has no person {party_id} on it")
        data: dict[str, Any] = {
            "party": party.kind,
            "person": party.person.email if party.person else None,
            "name": party.name,
            "reference": party.reference,
            "contact": party.contact,
        }
        c.case.parties.remove(party)
        c.session.delete(party)
        c.session.flush()
        kept = {k: v for k, v in data.items() if v is not None}
        c.record("party_removed", {**kept, "parties_digest": parties_digest(c.case.parties)})


def withdraw_evidence(app: Redress, case_id: int, actor_email: str, evidence_id: int, reason: str) -> None:
    """Withdraw an evidence item from the case's list: the row, its file and its hash stay (custody unbroken)."""
    with _correcting(app, case_id, actor_email, reason) as c:
        item = c.session.scalar(select(Evidence).where(Evidence.id == evidence_id, Evidence.case_id == case_id))
        if item is None:
            raise NotFound(f"case {case_id} has no evidence item {evidence_id}")
        if item.withdrawn_at is not None:
            raise Refused(f"evidence item {evidence_id} was already withdrawn")
        item.withdrawn_at, item.withdrawn_reason = c.now, c.reason
        c.record("evidence_withdrawn", {"evidence": item.id, "name": item.original_name, "url": item.url, "sha256": item.sha256})


def reopen_case(app: Redress, case_id: int, actor_email: str, reason: str) -> str:
    """Reopen a closed case into the stage its workflow declares for reopening; returns that stage."""
    why = _reason(reason)
    with app.db.unit_of_work() as session:
        case = load_case(session, case_id)
        actor = resolve_actor(session, actor_email)
        spec = app.compiled(case.workflow_id).spec
        if case.closed_at is None:
            raise Refused(f"case {case_id} is open: only a closed case is reopened")
        if case.erased_at is not None:
            raise Refused(f"case {case_id}'s content was erased under the retention schedule: it cannot be reopened")
        if spec.reopen is None:
            raise Refused(f"the procedure case {case_id} runs under does not allow a closed case to be reopened")
        if actor.person is None or not actor.roles(case) & set(spec.reopen.roles):
            raise Refused(f"a case may be reopened only by {', '.join(spec.reopen.roles)}; {actor.label} may not")
        now, before, outcome = app.clock.now(), case.stage, case.outcome
        case.stage, case.stage_entered_at, case.closed_at, case.outcome = spec.reopen.to, now, None, None
        session.flush()  # one version: the ORM moves it with the stage
        _restart_deadlines(app, session, spec, case, now)
        audit.append(
            session,
            case.id,
            at=now,
            actor=actor.label,
            actor_id=actor.id,
            kind="reopened",
            stage_before=before,
            stage_after=case.stage,
            data={"reason": why, "outcome": outcome},
        )
        hold_entered(session, spec, case, [(None, case.stage)], now)  # a stage reopened into may declare a hold
        return case.stage


def _restart_deadlines(app: Redress, session: Session, spec: Workflow, case: Case, now: datetime) -> None:
    """The reopened stage's deadlines, and those of the stage each unfinished track stood at when the case
    closed; paused where a running track still waits on a third party."""
    running = tracks.running(tracks.load(session, case.id))
    paused = routing.paused_by(spec, running)
    cancel_pending(session, case.id, every=True)
    start_stage_deadlines(app, session, spec, case, now, paused=MAIN in paused)
    for name, stage in running.items():
        start_stage_deadlines(app, session, spec, case, now, track=name, stage=stage, paused=name in paused)
