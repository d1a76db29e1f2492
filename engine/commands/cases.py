"""Commands that move a case: open it, take an action, move it to a new workflow version.

Each is one unit of work (invariant 1): the stage, the audit events, the outbox rows
and the deadlines change together or not at all.

Opening a case and taking an action never render an email while holding the write lock: each reads
the case and decides in a read transaction (gathering the emails it will send), renders them with no
transaction open, then decides again in its write transaction with the case's version checked and
the emails taken from those rendered (engine.commands.notify). If the case moved in between, it
reads and renders again, up to ATTEMPTS times, then refuses: CHANGED.

Taking an action reads and decides inside its write transaction instead (`Renders.deciding_in`): an
action that sends no email has nothing to render, so that one pass writes it (half the work); one that
sends email is rolled back where it would start writing, having written nothing, and goes on as above.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from transitions import Machine, MachineError

from engine.commands import staff_reports, tracks
from engine.commands.deadlines import cancel_pending, start_stage_deadlines
from engine.commands.legal_hold import hold_entered
from engine.commands.limitation import schedule_limitation
from engine.commands.notify import Collected, MissingRenders, Renders, active_people, collecting, notify_all, relations_of
from engine.commands.people import person_by_email
from engine.context import Compiled, Redress
from engine.errors import Conflict, NotFound, Refused
from engine.rules import actions as rules
from engine.rules import inputs
from engine.rules import tracks as routing
from engine.rules.access import Power, holds, only
from store import Case, Evidence, Meeting, Party, Person, audit, table_of
from store.integrity import party_digest
from store.rows import case_parties_and_tracks
from workflows import MAIN, SYSTEM, CaseFacts, Workflow
from workflows.spec import MeetingRecord


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

ATTEMPTS = 3
"""How many times a command reads, renders and writes when the case moves under it, before it refuses."""
CHANGED = "the case changed while you were acting: try again"


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
    first_published_on: date | None = None
    """When it was first published, if known: the defamation limitation runs 12 months from it."""
    report_id: int | None = None
    """The staff report the case is opened from (its reporter becomes staff concerned; it links to the case)."""


@dataclass(frozen=True)
class ActionResult:
    case_id: int
    action: str
    stage_before: str
    stage_after: str
    version: int
    notified: list[str] = field(default_factory=list)
    closed: bool = False
    track: str | None = None
    """The track the action moved or started, if it was not the main procedure's."""
    track_stage: str | None = None
    """That track's stage after the action."""


def load_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id, options=[joinedload(Case.parties)])  # one query: the relations need them
    if case is None:
        raise NotFound(f"there is no case {case_id}: 'redress case list' shows the cases")
    return case


def case_for_action(session: Session, case_id: int) -> Case:
    """`load_case` for the action path, which reads the case twice per action: the same objects in the session,
    read by one Core statement built once and made without the ORM's loading (store.rows). The tracks the
    case started come with it, kept for the action's `tracks.load` (engine.commands.tracks.READ_AHEAD)."""
    found = case_parties_and_tracks(session, case_id)
    if found is None:
        raise NotFound(f"there is no case {case_id}: 'redress case list' shows the cases")
    case, started = found
    if started is not None:
        session.info.setdefault(tracks.READ_AHEAD, {})[case_id] = {row[0]: tracks.TrackRow(*row) for row in started}
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
            if case is None:
                now = "it no longer exists"
            else:
                stages = app.compiled(case.workflow_id).spec.stages
                title = stages[case.stage].title if case.stage in stages else case.stage
                now = f"it is now at '{title}' (version {case.version})"
        raise Conflict(f"case {case_id} was changed by someone else while you acted; {now}: look at it again") from exc


def checked_details(details: OpenCase, now: datetime, zone: tzinfo = UTC) -> OpenCase:
    """The details of a new case held to the input rules (engine.rules.inputs), trimmed; a refusal names
    its field as OpenCase calls it (a poster's as `poster_name`, as the form does)."""
    with inputs.about("summary"):
        summary = inputs.summary(details.summary)
    with inputs.about("staff"):
        staff = [inputs.email(e) for e in details.staff]
    with inputs.about("pupils"):
        pupils = inputs.names(details.pupils, "a pupil's reference")
    with inputs.about("poster_name"):
        posters = [
            (inputs.name(n, "the poster's name"), inputs.optional_name(c, "the poster's contact", limit=inputs.URL_MAX) or "")
            for n, c in details.posters
        ]
    with inputs.about("platform"):
        platform = inputs.optional_name(details.platform, "the platform")
    with inputs.about("link"):
        link = inputs.url(details.link) if details.link and details.link.strip() else None
    with inputs.about("seen_at"):
        seen_at = inputs.past_instant(details.seen_at, now, "the time it was seen") if details.seen_at else None
    with inputs.about("first_published_on"):
        published = (
            inputs.past_date(details.first_published_on, now, zone, "the date it was first published")
            if details.first_published_on
            else None
        )
    return replace(
        details,
        summary=summary,
        staff=staff,
        pupils=pupils,
        posters=posters,
        platform=platform,
        link=link,
        seen_at=seen_at,
        first_published_on=published,
    )


def open_case(app: Redress, actor_email: str, details: OpenCase) -> int:
    compiled = app.current_workflow()
    now = app.clock.now()
    details = checked_details(details, now, app.zone)
    renders = Renders()
    reserved: int | None = None
    for _ in range(ATTEMPTS):
        with app.db.reading() as session, session.no_autoflush:
            reserved = reserved or _reserved_id(session)
            opening = _opening(app, session, compiled, actor_email, details, now, reserved or _next_id(session))
            with renders.collecting_in(session):
                opening.notify(app, session)
        renders.render_wanted(app.renderer)  # no transaction open
        try:
            with app.db.unit_of_work() as session:
                renders.used_in(session)
                opening = _opening(app, session, compiled, actor_email, details, now, reserved or _next_id(session))
                case_id = opening.write(app, session)
        except MissingRenders:
            continue  # another case was opened in between (it took the id), or the people changed: again
        return case_id
    raise Conflict(f"{CHANGED}: the case was not opened")


def _reserved_id(session: Session) -> int | None:
    """PostgreSQL: the new case's id, taken from its sequence (never handed out twice, kept if the command
    fails); SQLite has none: the id is the next after the highest, read again under the write lock."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return int(session.execute(select(func.nextval(func.pg_get_serial_sequence("cases", "id")))).scalar_one())


def _next_id(session: Session) -> int:
    return int(session.execute(select(func.coalesce(func.max(Case.id), 0) + 1)).scalar_one())


@dataclass
class _Opening:
    """A new case worked out (and refused, if need be) before anything is written."""

    compiled: Compiled
    actor: Actor
    details: OpenCase
    categories: list[str]
    staff: list[Person]
    case: Case
    started: list[str]

    def notify(self, app: Redress, session: Session) -> list[str]:
        spec = self.compiled.spec
        return notify_all(
            app,
            session,
            spec,
            self.case,
            (*spec.open.notify, *tracks.start_notes(spec, self.started)),
            {"actor": {"name": self.actor.name}},
            self.actor.id,
        )

    def write(self, app: Redress, session: Session) -> int:
        spec, case, actor, details, now = self.compiled.spec, self.case, self.actor, self.details, self.case.opened_at
        session.add(case)
        session.flush()
        start_stage_deadlines(app, session, spec, case, now)
        notified = self.notify(app, session)
        audit.append(
            session,
            case.id,
            at=now,
            actor=actor.label,
            actor_id=actor.id,
            kind="opened",
            stage_after=case.stage,
            data={
                "categories": self.categories,
                "summary": case.summary,
                "staff": [p.email for p in self.staff],
                "pupils": len(details.pupils),
                "posters": len(details.posters),
                "platform": details.platform,
                "link": details.link,
                "seen_at": details.seen_at.isoformat() if details.seen_at else None,
                "notified": notified,
                "parties_digest": parties_digest(case.parties),
                **({"first_published_on": details.first_published_on.isoformat()} if details.first_published_on else {}),
                **({"report": details.report_id} if details.report_id is not None else {}),
            },
        )
        if details.first_published_on is not None:
            schedule_limitation(app, session, case, details.first_published_on, now)
        if details.report_id is not None and actor.person is not None:  # after the opened event: the chain starts there
            staff_reports.link_case(session, case, details.report_id, actor.person, now)
        rows: dict[str, tracks.TrackRow] = {}
        for name in self.started:  # a threat goes to the police at once
            tracks.start(app, session, spec, case, name, rows, now)
            tracks.record_start(session, case, name, rows[name].stage, now, actor.label, actor.id, {"by": "category"})
        tracks.settle_pauses(app, session, spec, case, {}, tracks.running(rows), now, actor.label, actor.id)
        # A track started at opening may be with the police: held in this unit of work (engine.commands.legal_hold).
        hold_entered(session, spec, case, [(None, case.stage), *tracks.running(rows).items()], now)
        return case.id


def _opening(
    app: Redress, session: Session, compiled: Compiled, actor_email: str, details: OpenCase, now: datetime, case_id: int
) -> _Opening:
    """The case `open_case` will write, with the id it will have, not yet in the session (the read pass
    renders its emails from it and writes nothing)."""
    spec = compiled.spec
    actor = resolve_actor(session, actor_email)
    if not actor.roles() & set(spec.open.roles):
        raise Refused(
            f"only the {rules.role_labels(spec, spec.open.roles)} may open a case; "
            f"{actor.label} is {rules.role_labels(spec, sorted(actor.roles()))}"
        )
    categories = rules.check_categories(spec, details.categories)
    emails = list(details.staff)
    if details.report_id is not None:
        emails.append(staff_reports.reporter_of(app, session, details.report_id, actor.label))
    staff = [person_by_email(session, email) for email in dict.fromkeys(emails)]
    case = Case(
        id=case_id,
        workflow_id=compiled.id,
        stage=spec.initial_stage,
        categories=categories,
        summary=details.summary,
        platform=details.platform,
        link=details.link,
        seen_at=details.seen_at,
        opened_by_id=actor.id,
        opened_at=now,
        stage_entered_at=now,
        facts={},
        first_published_on=details.first_published_on,
    )
    if actor.person is not None:
        case.opened_by = actor.person  # the reporter, whom the emails may go to (no backref: the case stays out of the session)
    case.parties = [Party(kind="staff", person=p) for p in staff]
    case.parties += [Party(kind="pupil", reference=ref.strip()) for ref in details.pupils if ref.strip()]
    case.parties += [Party(kind="poster", name=name, contact=contact) for name, contact in details.posters]
    started = list(dict.fromkeys(t for c in categories for t in spec.categories[c].starts_tracks))
    return _Opening(compiled, actor, details, categories, staff, case, started)


def labelled_answers(spec: Workflow, facts: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every action's answers for the emails' context: {action title: {field label: value}}."""
    shown: dict[str, dict[str, Any]] = {}
    for name, answers in facts.items():
        found = routing.route(spec, name)
        action = found.action if found is not None else None
        if action is not None and isinstance(answers, Mapping):
            shown[action.title] = {action.fields[k].label if k in action.fields else k: v for k, v in answers.items()}
    return shown


def parties_digest(parties: Sequence[Party]) -> str:
    """What the opened event commits to about the parties, without copying their details into the trail:
    `redress verify` recomputes it from the rows, so a party edited behind the trail's back shows."""
    return party_digest([(p.kind, p.person_id, p.reference, p.name, p.contact) for p in sorted(parties, key=lambda p: p.id)])


def case_facts(session: Session, spec: Workflow, case: Case, track_stages: Mapping[str, str] | None = None) -> CaseFacts:
    """What the guards read under the case's workflow `spec`; `track_stages` (every started track's stage)
    when the caller has read them."""
    evidence = (
        select(func.count())
        .select_from(Evidence)
        .where(Evidence.case_id == case.id, Evidence.withdrawn_at.is_(None))
        .scalar_subquery()
    )
    meetings = select(func.count()).select_from(Meeting).where(Meeting.case_id == case.id).scalar_subquery()
    counts = session.execute(select(evidence, meetings)).one()
    if track_stages is None:
        track_stages = {name: row.stage for name, row in tracks.load(session, case.id).items()}
    return CaseFacts(
        case.stage,
        tuple(case.categories),
        counts[0] or 0,
        counts[1] or 0,
        dict(case.facts),
        dict(track_stages),
        spec.established(track_stages),
    )


def _next_stage(machine: Machine, stage: str, action: str) -> str:
    """Let the `transitions` machine of the case's procedure (main, or a track) make the move, on a token
    attached for this command only. The machines have no conditions or callbacks, so a move from a stage
    by an action always ends in the same stage (or is always refused): each is made once per machine and
    remembered (attaching a token costs more than the rest of the rules together)."""
    moves: dict[tuple[str, str], str | None] = machine.__dict__.setdefault("_redress_moves", {})
    if (stage, action) not in moves:
        moves[(stage, action)] = _trigger(machine, stage, action)
    after = moves[(stage, action)]
    if after is None:
        raise Refused(f"'{action}' cannot be taken from '{stage}'")
    return after


def _trigger(machine: Machine, stage: str, action: str) -> str | None:
    token = _Token()
    machine.add_model(token, initial=stage)
    try:
        machine.events[action].trigger(token)
        return token.state
    except MachineError:
        return None
    finally:
        machine.remove_model(token)


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
    """Take an action on a case; `actor_email=None` is the system. Refuses with a reason, changes nothing then.

    Read, render, write (the module's doc): the version read is checked under the write lock, and the
    action is decided again there; a case that moved in between is read again, up to ATTEMPTS times.
    The reading pass runs in the write transaction, so an action that sends no email is written by it at
    once, with nothing to render; one that sends email is rolled back there (nothing was written), its
    messages rendered with no transaction open, then written by the write pass."""
    note = inputs.text(note, "the note") or None if note is not None else None
    act = _Act(app, case_id, action_name, actor_email, fields or {}, note, expected_version, audit_data or {})
    renders = Renders()
    for _ in range(ATTEMPTS):
        try:
            with _translate_conflicts(app, case_id), app.db.unit_of_work() as session, renders.deciding_in(session):
                result, files = act.run(session)
        except (Collected, MissingRenders):
            renders.render_wanted(app.renderer)  # no transaction open
            try:
                with _translate_conflicts(app, case_id), app.db.unit_of_work() as session:
                    renders.used_in(session)
                    result, files = act.run(session, act.seen)
            except MissingRenders:
                continue
        if files:
            from engine.commands.erasure import take_files

            take_files(app, files)  # committed: the files no living row names leave the store
        return result
    raise Conflict(CHANGED)


@dataclass
class _Act:
    """One `take_action`, as each of its passes runs it."""

    app: Redress
    case_id: int
    action_name: str
    actor_email: str | None
    fields: Mapping[str, Any]
    note: str | None
    expected_version: int | None
    audit_data: Mapping[str, Any]
    seen: int | None = None
    """The case's version as the last reading pass found it."""
    reached: dict[int, Any] = field(default_factory=dict)
    """The stages the case had reached as the last pass read them, by the chain's head then (store.audit.REACHED):
    the next pass uses them only while the case's head is the same, so they are read once per action."""

    def run(self, session: Session, seen: int | None = None) -> tuple[ActionResult, list[str]]:
        """The action in `session`, on the case at version `seen` if given (else MissingRenders); returns its
        result and the files to take from the store once committed."""
        session.info[audit.REACHED] = dict(self.reached)
        try:
            return self._run(session, seen)
        finally:
            self.reached = dict(session.info.get(audit.REACHED, {}))

    def _run(self, session: Session, seen: int | None) -> tuple[ActionResult, list[str]]:
        with session.no_autoflush:
            case = case_for_action(session, self.case_id)
            if seen is not None and case.version != seen:
                raise MissingRenders(f"case {self.case_id} moved from version {seen} to {case.version}")
            self.seen = case.version
            actor = _actor_of(session, case, self.actor_email)
            app, fields, extra = self.app, self.fields, self.audit_data
            result = act_in_session(app, session, case, self.action_name, actor, fields, self.note, self.expected_version, extra)
            # A retention rule with no period (KCSIE: an allegation against staff found malicious) erases the
            # case's details as it closes, in this unit of work, with a certificate (engine.commands.retention).
            return result, _erase_on_closure(app, session, case, actor) if result.closed else []


def _actor_of(session: Session, case: Case, email: str | None) -> Actor:
    """`resolve_actor`, for someone the case names (its reporter, a member of staff concerned: read with it, in
    this transaction) found without reading the school's people, which are read only if the emails need them."""
    wanted = email.strip().lower() if email is not None else None
    named = [case.opened_by, *(party.person for party in case.parties)]
    found = next((p for p in named if p is not None and p.email == wanted and p.active), None)
    return Actor(found) if found is not None else resolve_actor(session, email)


def _erase_on_closure(app: Redress, session: Session, case: Case, actor: Actor) -> list[str]:
    from engine.commands.retention import erase_on_closure  # retention reads cases: imported when a case closes

    return erase_on_closure(app, session, case, actor)


def act_in_session(
    app: Redress,
    session: Session,
    case: Case,
    action_name: str,
    actor: Actor,
    raw: Mapping[str, Any],
    note: str | None,
    expected_version: int | None,
    extra: Mapping[str, Any],
    *,
    notify_context: Mapping[str, Any] | None = None,
) -> ActionResult:
    """Take an action inside the caller's unit of work: for the worker, which fires deadlines through
    the same path as a person, with the system as the actor (`notify_context` adds, for instance,
    the `deadline` that made the system act to the emails' context).

    The action may be the main procedure's, a running track's (it moves that track only), or a track's
    start (`start_<track>`: the case stays where it is). Everything that may refuse (the rules, the
    guards, the templates) runs before anything is written; the writes are Core statements on the
    session's connection, never a flush of the session. In a read pass (notify.Renders collecting) it
    stops, raising Collected, once it knows the emails it will send."""
    compiled = app.compiled(case.workflow_id)
    spec = compiled.spec
    stage_title = spec.stages[case.stage].title if case.stage in spec.stages else None
    rules.check_open(case, expected_version, stage_title)
    rows = tracks.load(session, case.id)
    plan = _plan(compiled, case, action_name, rows, actor.roles(case))
    action, track = plan.route.action, plan.route.track
    values = rules.parse_fields(action_name, action, raw, inputs.today_in(app.clock.now(), app.zone))
    if action.guards:
        rules.check_guards(
            action_name, action, case_facts(session, spec, case, {n: r.stage for n, r in rows.items()}), stage_title
        )
    before, now, version, head = case.stage, app.clock.now(), case.version, audit.Head(case.head_seq, case.head_hash)
    after = plan.after
    final = spec.is_final(after)
    _show(
        case,
        stage=after,
        stage_entered_at=now if track is None else case.stage_entered_at,
        facts=answered(case.facts, action_name, values),
        closed_at=now if final else case.closed_at,
        outcome=(getattr(action, "outcome", None) or spec.stages[after].title) if final else case.outcome,
    )
    labelled = {action.fields[k].label: v for k, v in values.items()}
    notified = notify_all(
        app,
        session,
        spec,
        case,
        (*action.notify, *tracks.start_notes(spec, plan.starting(spec, rows))),
        {
            "actor": {"name": actor.name},
            "action": {"name": action_name, "title": action.title, "fields": labelled},
            "reason": values.get("reason") or extra.get("reason"),
            "answers": labelled_answers(spec, case.facts),
            **(notify_context or {}),
        },
        actor.id,
    )
    if collecting(session):
        raise Collected
    moved: dict[str, Any] = {"track_stage_before": plan.track_before, "track_stage_after": plan.track_after} if track else {}
    meeting = getattr(action, "meeting", None)
    if meeting is not None and actor.id is not None:
        moved["meeting_kept"] = _keep_meeting(session, case, meeting, values, actor.id, now)
    event = audit.next_event(
        case.id,
        head,
        at=now,
        actor=actor.label,
        actor_id=actor.id,
        kind=plan.kind,
        action=action_name,
        stage_before=before,
        stage_after=after,
        track=track,
        data={
            "title": action.title,
            "fields": values,
            "note": note,
            "notified": notified,
            **moved,
            **extra,
            "closed": final,
            "outcome": case.outcome,
        },
    )
    _write_move(session, case, version, head, event)
    audit.insert_event(session, event)
    was = tracks.running(rows)
    _move_procedures(app, session, spec, case, plan, rows, now, actor, final)
    # A stage entered (not one stood at) that declares `legal_hold` holds the case, in this unit of work.
    entered = [(None, after)] if after != before else []
    hold_entered(session, spec, case, [*entered, *((n, s) for n, s in tracks.running(rows).items() if was.get(n) != s)], now)
    return ActionResult(case.id, action_name, before, after, case.version, notified, final, track, plan.track_after)


@dataclass(frozen=True)
class _Plan:
    """What an action will do, worked out (and refused, if need be) before anything is written."""

    route: routing.Route
    after: str
    """The case's own stage after the action."""
    track_before: str | None = None
    track_after: str | None = None

    @property
    def kind(self) -> str:
        if self.route.track is None:
            return "action"
        return "track_started" if self.route.starts else "track_action"

    def starting(self, spec: Workflow, rows: Mapping[str, tracks.TrackRow]) -> list[str]:
        """The track this action starts, if any: its own (a start), or a main action's `starts_track`."""
        if self.route.starts and self.route.track:
            return [self.route.track]
        started = spec.actions[self.route.name].starts_track if self.route.track is None else None
        return [started] if started and started not in tracks.running(rows) and not spec.is_final(self.after) else []


def _plan(compiled: Compiled, case: Case, name: str, rows: Mapping[str, tracks.TrackRow], roles: set[str]) -> _Plan:
    spec = compiled.spec
    found = routing.route(spec, name)
    if found is None or found.track is None:
        rules.check_action(spec, case.stage, name, roles)
        return _Plan(routing.Route(name, None, spec.actions[name]), _next_stage(compiled.machine, case.stage, name))
    stages = tracks.running(rows)
    if found.starts:
        routing.check_start(spec, found.track, case.stage, stages, roles)
        return _Plan(found, case.stage, None, spec.tracks[found.track].initial_stage)
    stage = routing.check_running(spec, found.track, stages, name)
    rules.check_action(spec.tracks[found.track], stage, name, roles, spec)
    return _Plan(found, case.stage, stage, _next_stage(compiled.track_machines[found.track], stage, name))


def _move_procedures(
    app: Redress,
    session: Session,
    spec: Workflow,
    case: Case,
    plan: _Plan,
    rows: dict[str, tracks.TrackRow],
    now: datetime,
    actor: Actor,
    final: bool,
) -> None:
    """The deadlines and tracks an action moves: the main procedure's (every one, if the case closed), or
    one track's; then what stands paused, as the tracks now wait."""
    before = tracks.running(rows)
    track = plan.route.track
    if track is None:
        cancel_pending(session, case.id, every=final)
        if final:
            return
        start_stage_deadlines(app, session, spec, case, now, paused=MAIN in routing.paused_by(spec, before))
        for started in plan.starting(spec, rows):
            tracks.start(app, session, spec, case, started, rows, now)
            tracks.record_start(session, case, started, rows[started].stage, now, actor.label, actor.id, {"by": plan.route.name})
    elif plan.route.starts:
        tracks.start(app, session, spec, case, track, rows, now)
    else:
        cancel_pending(session, case.id, track=track)
        tracks.move(app, session, spec, case, track, plan.track_after or "", rows, now)
    tracks.settle_pauses(app, session, spec, case, before, tracks.running(rows), now, actor.label, actor.id)


def _keep_meeting(
    session: Session, case: Case, meeting: MeetingRecord, values: Mapping[str, Any], by: int, now: datetime
) -> dict[str, Any]:
    """An action that records a meeting keeps it with the case's meetings too; returns what its event says
    of the row (`meeting_kept`), so `redress verify` replays the meeting as it replays a recorded one."""
    kept = {
        "held_on": date.fromisoformat(values[meeting.held_on]).isoformat(),
        "attendees": meeting.attendees,
        "notes": str(values.get(meeting.notes, "")) if meeting.notes else "",
    }
    inserted = session.connection().execute(
        insert(table_of(Meeting)),
        {**kept, "held_on": date.fromisoformat(kept["held_on"]), "case_id": case.id, "recorded_by_id": by, "recorded_at": now},
    )
    key = inserted.inserted_primary_key
    return {"id": int(key[0]) if key else None, **kept}


def answered(facts: Mapping[str, Any], action: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The case's answers with this action's, kept under its name and moved to the end (taken last)."""
    return {**{name: answers for name, answers in facts.items() if name != action}, action: dict(values)}


_MOVED = ("stage", "stage_entered_at", "facts", "closed_at", "outcome")
_cases = table_of(Case)
# Built once: the move, its version check (invariant 7) and the chain's new head (invariant 4) in one UPDATE.
_MOVE = update(_cases).where(
    _cases.c.id == bindparam("where_id"),
    _cases.c.version == bindparam("where_version"),
    _cases.c.head_seq == bindparam("where_head"),
)


def _show(case: Case, **changes: Any) -> None:
    """Give the loaded case its new values as if read from the database, so the session has nothing to
    flush (the UPDATE is written by `_write_move`); the emails and the caller see the case as moved."""
    for name, value in changes.items():
        set_committed_value(case, name, value)


def _write_move(session: Session, case: Case, version: int, head: audit.Head, event: dict[str, Any]) -> None:
    params = {name: getattr(case, name) for name in _MOVED}
    params.update(
        version=version + 1,
        head_seq=event["seq"],
        head_hash=event["hash"],
        where_id=case.id,
        where_version=version,
        where_head=head.seq,
    )
    if session.connection().execute(_MOVE, params).rowcount != 1:
        raise StaleDataError(f"case {case.id} is no longer at version {version} with {head.seq} event(s)")
    _show(case, version=version + 1, head_seq=event["seq"], head_hash=event["hash"])
    audit.note_reached(session, case.id, head.seq, event["seq"], event["stage_after"])


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
            raise Refused(
                f"case {case_id} is at '{case.stage}', which the current workflow has no open stage for: it stays on its version"
            )
        old = app.compiled(case.workflow_id).spec.content_hash
        case.workflow_id = current.id
        session.flush()
        cancel_pending(session, case.id)
        start_stage_deadlines(app, session, current.spec, case, case.stage_entered_at)
        audit.remark(
            session,
            case,
            at=app.clock.now(),
            actor=actor.label,
            actor_id=actor.id,
            kind="migrated",
            data={"from_version": old, "to_version": current.spec.content_hash},
        )
        return old, current.spec.content_hash
