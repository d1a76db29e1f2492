"""Commands that move a case: open it, take an action, move it to a new workflow version.

Each is one unit of work (invariant 1): the stage, the audit events, the outbox rows
and the deadlines change together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from transitions import MachineError

from engine.commands.deadlines import cancel_pending, start_stage_deadlines
from engine.commands.notify import active_people, notify_all, relations_of
from engine.commands.people import person_by_email
from engine.context import Compiled, Redress
from engine.errors import BadInput, Conflict, NotFound, Refused
from engine.rules import actions as rules
from engine.rules.access import Power, holds, only
from store import Case, Evidence, Meeting, Party, Person, audit, table_of
from workflows import SYSTEM, CaseFacts


@dataclass(frozen=True)
class Actor:
    """Who acts: a person, or the system (deadlines)."""

    person: Person | None

    @property
    def label(self) -> str:
        return self.person.email if self.person else SYSTEM

    @property
    def id(self) -> int | None:
        return self.person.id if self.person else None

    @property
    def name(self) -> str:
        return self.person.name if self.person else "Redress (automatic)"

    def roles(self, case: Case | None = None) -> set[str]:
        if self.person is None:
            return {SYSTEM}
        held = set(self.person.roles)
        return held | relations_of(case, self.person) if case is not None else held


SYSTEM_ACTOR = Actor(None)


@dataclass(frozen=True)
class OpenCase:
    categories: Sequence[str]
    summary: str
    staff: Sequence[str] = ()
    """Emails of the staff concerned (people in Redress, so they can be told)."""
    pupils: Sequence[str] = ()
    """References for the pupils concerned (initials or an admission number: never more)."""
    posters: Sequence[tuple[str, str]] = ()
    """(name, contact) of each poster."""
    platform: str | None = None
    link: str | None = None
    seen_at: datetime | None = None


@dataclass(frozen=True)
class ActionResult:
    case_id: int
    action: str
    stage_before: str
    stage_after: str
    version: int
    notified: list[str] = field(default_factory=list)
    closed: bool = False


def load_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id, options=[joinedload(Case.parties)])  # one query: the relations need them
    if case is None:
        raise NotFound(f"there is no case {case_id}: 'redress case list' shows the cases")
    return case


def resolve_actor(session: Session, email: str | None) -> Actor:
    """The actor, found among the school's active people, read once per transaction (the emails need
    them too); someone not among them is looked up alone, for the reason they may not act."""
    if email is None:
        return SYSTEM_ACTOR
    wanted = email.strip().lower()
    found = next((person for person in active_people(session) if person.email == wanted), None)
    return Actor(found or person_by_email(session, email))


@contextmanager
def _translate_conflicts(app: Redress, case_id: int) -> Iterator[None]:
    try:
        yield
    except (StaleDataError, IntegrityError) as exc:
        with app.db.reading() as session:
            case = session.get(Case, case_id)
            now = f"it is now at '{case.stage}' (version {case.version})" if case else "it no longer exists"
        raise Conflict(f"case {case_id} was changed by someone else while you acted; {now}: look at it again") from exc


def open_case(app: Redress, actor_email: str, details: OpenCase) -> int:
    compiled = app.current_workflow()
    spec = compiled.spec
    now = app.clock.now()
    with app.db.unit_of_work() as session:
        actor = resolve_actor(session, actor_email)
        if not actor.roles() & set(spec.open.roles):
            raise Refused(f"only the {rules.role_labels(spec, spec.open.roles)} may open a case; "
                          f"{actor.label} is {rules.role_labels(spec, sorted(actor.roles()))}")
        categories = rules.check_categories(spec, details.categories)
        if details.seen_at is not None and details.seen_at > now:
            raise BadInput(f"'When it was seen' is in the future ({app.local(details.seen_at)}): give when it was seen, "
                           "now or before", field="seen_at")
        summary = details.summary.strip()
        if not summary:
            raise Refused("a case needs a summary: say in a sentence what was posted, and where", field="summary")
        staff = [person_by_email(session, email) for email in dict.fromkeys(details.staff)]
        case = Case(
            workflow_id=compiled.id, stage=spec.initial_stage, categories=categories, summary=summary,
            platform=details.platform, link=details.link, seen_at=details.seen_at, opened_by_id=actor.id,
            opened_at=now, stage_entered_at=now, facts={},
        )
        case.parties = [Party(kind="staff", person=p) for p in staff]
        case.parties += [Party(kind="pupil", reference=ref.strip()) for ref in details.pupils if ref.strip()]
        case.parties += [Party(kind="poster", name=name, contact=contact) for name, contact in details.posters]
        session.add(case)
        session.flush()
        start_stage_deadlines(app, session, spec, case, now)
        notified = notify_all(app, session, spec, case, spec.open.notify, {"actor": {"name": actor.name}})
        audit.append(
            session, case.id, at=now, actor=actor.label, actor_id=actor.id, kind="opened", stage_after=case.stage,
            data={"categories": categories, "summary": summary, "staff": [p.email for p in staff],
                  "pupils": len(details.pupils), "posters": len(details.posters), "platform": details.platform,
                  "link": details.link, "seen_at": details.seen_at.isoformat() if details.seen_at else None,
                  "notified": notified},
        )
        return case.id


def case_facts(session: Session, case: Case) -> CaseFacts:
    evidence = select(func.count()).select_from(Evidence).where(Evidence.case_id == case.id).scalar_subquery()
    meetings = select(func.count()).select_from(Meeting).where(Meeting.case_id == case.id).scalar_subquery()
    counts = session.execute(select(evidence, meetings)).one()
    return CaseFacts(case.stage, tuple(case.categories), counts[0] or 0, counts[1] or 0, dict(case.facts))


def _next_stage(compiled: Compiled, stage: str, action: str) -> str:
    """Let the case's `transitions` machine make the move, on a token attached for this command only."""
    token = _Token()
    compiled.machine.add_model(token, initial=stage)
    try:
        compiled.machine.events[action].trigger(token)
        return token.state
    except MachineError as exc:
        raise Refused(f"'{action}' cannot be taken from '{stage}'") from exc
    finally:
        compiled.machine.remove_model(token)


class _Token:
    state: str


def take_action(
    app: Redress,
    case_id: int,
    action_name: str,
    actor_email: str | None,
    fields: Mapping[str, Any] | None = None,
    *,
    note: str | None = None,
    expected_version: int | None = None,
    audit_data: Mapping[str, Any] | None = None,
) -> ActionResult:
    """Take an action on a case; `actor_email=None` is the system. Refuses with a reason, changes nothing then."""
    with _translate_conflicts(app, case_id), app.db.unit_of_work() as session, session.no_autoflush:
        case = load_case(session, case_id)
        actor = resolve_actor(session, actor_email)
        return act_in_session(app, session, case, action_name, actor, fields or {}, note, expected_version, audit_data or {})


def act_in_session(
    app: Redress, session: Session, case: Case, action_name: str, actor: Actor, raw: Mapping[str, Any],
    note: str | None, expected_version: int | None, extra: Mapping[str, Any],
    *, notify_context: Mapping[str, Any] | None = None,
) -> ActionResult:
    """Take an action inside the caller's unit of work: for the worker, which fires deadlines through
    the same path as a person, with the system as the actor (`notify_context` adds, for instance,
    the `deadline` that made the system act to the emails' context).

    Everything that may refuse (the rules, the guards, the templates) runs before anything is written;
    the writes are Core statements on the session's connection, never a flush of the session."""
    compiled = app.compiled(case.workflow_id)
    spec = compiled.spec
    rules.check_open(case, expected_version, spec.stages[case.stage].title if case.stage in spec.stages else None)
    action = rules.check_action(spec, case.stage, action_name, actor.roles(case))
    values = rules.parse_fields(action_name, action, raw, app.clock.now().astimezone(app.zone).date())
    if action.guards:
        rules.check_guards(action_name, action, case_facts(session, case), spec.stages[case.stage].title)
    before, now, version, head = case.stage, app.clock.now(), case.version, audit.Head(case.head_seq, case.head_hash)
    after = _next_stage(compiled, before, action_name)
    final = spec.is_final(after)
    _show(case, stage=after, stage_entered_at=now, facts={**case.facts, **values},
          closed_at=now if final else case.closed_at,
          outcome=(action.outcome or spec.stages[after].title) if final else case.outcome)
    labelled = {action.fields[k].label: v for k, v in values.items()}
    notified = notify_all(app, session, spec, case, action.notify, {
        "actor": {"name": actor.name},
        "action": {"name": action_name, "title": action.title, "fields": labelled},
        "reason": values.get("reason") or extra.get("reason"),
        **(notify_context or {}),
    })
    event = audit.next_event(
        case.id, head, at=now, actor=actor.label, actor_id=actor.id, kind="action", action=action_name,
        stage_before=before, stage_after=after,
        data={"title": action.title, "fields": values, "note": note, "notified": notified, **extra},
    )
    _write_move(session, case, version, head, event)
    cancel_pending(session, case.id)
    if not final:
        start_stage_deadlines(app, session, spec, case, now)
    audit.insert_event(session.connection(), event)
    return ActionResult(case.id, action_name, before, after, case.version, notified, final)


_MOVED = ("stage", "stage_entered_at", "facts", "closed_at", "outcome")
_cases = table_of(Case)
# Built once: the move, its version check (invariant 7) and the chain's new head (invariant 4) in one UPDATE.
_MOVE = update(_cases).where(
    _cases.c.id == bindparam("where_id"), _cases.c.version == bindparam("where_version"),
    _cases.c.head_seq == bindparam("where_head"),
)


def _show(case: Case, **changes: Any) -> None:
    """Give the loaded case its new values as if read from the database, so the session has nothing to
    flush (the UPDATE is written by `_write_move`); the emails and the caller see the case as moved."""
    for name, value in changes.items():
        set_committed_value(case, name, value)


def _write_move(session: Session, case: Case, version: int, head: audit.Head, event: dict[str, Any]) -> None:
    params = {name: getattr(case, name) for name in _MOVED}
    params.update(version=version + 1, head_seq=event["seq"], head_hash=event["hash"],
                  where_id=case.id, where_version=version, where_head=head.seq)
    if session.connection().execute(_MOVE, params).rowcount != 1:
        raise StaleDataError(f"case {case.id} is no longer at version {version} with {head.seq} event(s)")
    _show(case, version=version + 1, head_seq=event["seq"], head_hash=event["hash"])


def migrate_case(app: Redress, case_id: int, actor_email: str) -> tuple[str, str]:
    """Move an open case to the current workflow version, if its stage exists there."""
    current = app.current_workflow()
    with _translate_conflicts(app, case_id), app.db.unit_of_work() as session:
        case = load_case(session, case_id)
        actor = resolve_actor(session, actor_email)
        if not holds(current.spec, actor.roles(), Power.MIGRATE_CASES):
            raise Refused(only(current.spec, Power.MIGRATE_CASES, "move a case to a new workflow version"))
        if case.closed_at is not None:
            raise Refused(f"case {case_id} is closed: it keeps the workflow it finished under")
        if case.workflow_id == current.id:
            raise Refused(f"case {case_id} already runs on the current workflow version")
        if case.stage not in current.spec.stages or current.spec.is_final(case.stage):
            raise Refused(f"case {case_id} is at '{case.stage}', which the current workflow has no open stage for: "
                          "it stays on its version")
        old = app.compiled(case.workflow_id).spec.content_hash
        case.workflow_id = current.id
        session.flush()
        cancel_pending(session, case.id)
        start_stage_deadlines(app, session, current.spec, case, case.stage_entered_at)
        audit.append(
            session, case.id, at=app.clock.now(), actor=actor.label, actor_id=actor.id, kind="migrated",
            stage_before=case.stage, stage_after=case.stage,
            data={"from_version": old, "to_version": current.spec.content_hash},
        )
        return old, current.spec.content_hash
