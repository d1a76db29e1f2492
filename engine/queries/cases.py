"""Read-side views of cases: what `case list`, `case show` and `case audit` print, and what the case page and
the API read. Each public function is one read transaction; the builders taking a `Session` share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, joinedload

from engine.commands import tracks
from engine.context import Redress
from engine.errors import NotFound
from engine.queries.access import access_of, viewer_by_email
from engine.queries.case_rows import PERSON, CaseRecord, PartyRecord, case_record
from engine.queries.case_rows import people as people_table
from engine.queries.tracks import pause_views, track_views
from engine.queries.views import (
    ActionView,
    AuditTrail,
    CaseCheck,
    CaseSummary,
    CaseView,
    ChainCheck,
    ChronologyEntry,
    DeadlineItem,
    Event,
    EvidenceItem,
    FieldView,
    MeetingItem,
    NoteItem,
    PartyItem,
    Poster,
)
from engine.rules.access import CaseAccess, Viewer, may_take
from engine.rules.tracks import Route, offered
from store import AuditEvent, Case, Evidence, Meeting, Note, Party, Person, Timer, audit, core_rows, table_of
from workflows import GUARDS, CaseFacts, TrackStart, Workflow

if TYPE_CHECKING:
    from engine.commands import integrity


def next_due_subquery() -> Any:
    """Each case's soonest pending deadline."""
    return (
        select(Timer.case_id, func.min(Timer.due_at).label("due"))
        .where(Timer.status == "pending")
        .group_by(Timer.case_id)
        .subquery()
    )


SUMMARY_COLUMNS = (
    Case.id,
    Case.workflow_id,
    Case.stage,
    Case.categories,
    Case.summary,
    Case.opened_at,
    Case.closed_at,
    Case.outcome,
    Case.version,
)


def summary_of(app: Redress, row: Any, due: datetime | None, now: datetime) -> CaseSummary:
    """A case summary from a Case (or a row with its columns) and its soonest pending deadline."""
    spec = app.compiled(row.workflow_id).spec
    return CaseSummary(
        row.id,
        row.stage,
        spec.stages[row.stage].title,
        tuple(row.categories),
        row.summary,
        row.opened_at,
        row.closed_at,
        row.outcome,
        due,
        bool(due and due <= now),
        row.version,
    )


def list_cases(app: Redress, *, stage: str | None = None, status: str | None = None, overdue: bool = False) -> list[CaseSummary]:
    """Every case (or those at a stage, open, closed or overdue), oldest first: the command line's list."""
    now = app.clock.now()
    next_due = next_due_subquery()
    query = select(*SUMMARY_COLUMNS, next_due.c.due).outerjoin(next_due, next_due.c.case_id == Case.id).order_by(Case.id)
    if stage:
        query = query.where(Case.stage == stage)
    if status == "open":
        query = query.where(Case.closed_at.is_(None))
    elif status == "closed":
        query = query.where(Case.closed_at.is_not(None))
    if overdue:
        query = query.where(exists().where(and_(Timer.case_id == Case.id, Timer.status == "pending", Timer.due_at <= now)))
    with app.db.reading() as session:
        return [summary_of(app, row, row.due, now) for row in session.execute(query)]


def load_case(session: Session, case_id: int) -> Case:
    """The case and its parties, in one query (the relations need them). The read side's own: the write side's
    (engine.commands.cases) would import the whole action path into every read (`redress case show`)."""
    case = session.get(Case, case_id, options=[joinedload(Case.parties)])
    if case is None:
        raise NotFound(f"there is no case {case_id}: 'redress case list' shows the cases")
    return case


def show_case(app: Redress, case_id: int, viewer: Viewer | str | None = None) -> CaseView:
    """A case in full; with a viewer (or their email, resolved once here), the actions they may take now. Read
    through Core (engine.queries.case_rows): no ORM mapper is set up for it."""
    with app.db.reading() as session:
        if isinstance(viewer, str):
            viewer = viewer_by_email(session, viewer)
        case = case_record(session, case_id)
        view, _ = case_view(app, session, case, viewer, access_of(session, case))
        return view


_evidence, _notes, _meetings, _timers = table_of(Evidence), table_of(Note), table_of(Meeting), table_of(Timer)


def case_view(
    app: Redress, session: Session, case: Case | CaseRecord, viewer: Viewer | None, access: CaseAccess
) -> tuple[CaseView, dict[int, Any]]:
    """The full view of a loaded case (the ORM's, or as Core read it), in a fixed number of queries; and the
    people it mentions, by id (each with its id, email, name and roles). Its records are read through Core: rows
    with the columns the ORM's objects would carry."""
    now = app.clock.now()
    spec = app.compiled(case.workflow_id).spec
    evidence = list(core_rows(session, select(_evidence).where(_evidence.c.case_id == case.id).order_by(_evidence.c.id)))
    notes = list(core_rows(session, select(_notes).where(_notes.c.case_id == case.id).order_by(_notes.c.id)))
    meetings = list(core_rows(session, select(_meetings).where(_meetings.c.case_id == case.id).order_by(_meetings.c.id)))
    timers = list(
        core_rows(
            session,
            select(_timers)
            .where(_timers.c.case_id == case.id, _timers.c.status.in_(("pending", "paused")))
            .order_by(_timers.c.due_at, _timers.c.id),
        )
    )
    track_rows = tracks.load(session, case.id)
    people = _people(
        session,
        [e.added_by_id for e in evidence]
        + [n.author_id for n in notes]
        + [m.recorded_by_id for m in meetings]
        + ([case.owner_id] if case.owner_id else []),
    )
    people[case.opened_by.id] = case.opened_by
    for party in case.parties:
        if party.person is not None:
            people[party.person.id] = party.person
    email = {person_id: person.email for person_id, person in people.items()}
    deadlines = tuple(
        DeadlineItem(t.deadline, t.kind, t.due_at, t.status == "pending" and t.due_at <= now, t.track, t.status == "paused")
        for t in timers
    )
    kept = [e for e in evidence if e.withdrawn_at is None and e.erased_at is None]
    stages_of_tracks = {name: row.stage for name, row in track_rows.items()}
    facts = CaseFacts(
        case.stage,
        tuple(case.categories),
        len(kept),
        len(meetings),
        dict(case.facts),
        stages_of_tracks,
        spec.established(stages_of_tracks),
    )
    # the soonest deadline still running (a paused one is not due), as `case list` has it
    summary = summary_of(app, case, next((d.due_at for d in deadlines if not d.paused), None), now)
    view = CaseView(
        summary.id,
        summary.stage,
        summary.stage_title,
        summary.categories,
        summary.summary,
        summary.opened_at,
        summary.closed_at,
        summary.outcome,
        summary.next_due,
        any(d.overdue for d in deadlines),
        summary.version,
        workflow_version=spec.content_hash,
        platform=case.platform,
        link=case.link,
        seen_at=case.seen_at,
        opened_by=case.opened_by.email,
        staff_concerned=tuple(p.person.email for p in case.parties if p.kind == "staff" and p.person),
        pupils=tuple(p.reference for p in case.parties if p.kind == "pupil"),
        posters=tuple(Poster(p.name, p.contact, p.address) for p in case.parties if p.kind == "poster"),
        facts=dict(case.facts),
        evidence=tuple(_item(e, email) for e in kept),
        notes=tuple(NoteItem(n.id, email[n.author_id], n.text, n.created_at) for n in notes),
        meetings=tuple(MeetingItem(m.id, m.held_on, m.attendees, m.notes, email[m.recorded_by_id]) for m in meetings),
        deadlines=deadlines,
        actions=available_actions(app, case, facts, viewer, access, tracks.running(track_rows)) if viewer else (),
        tracks=track_views(spec, case, track_rows),
        paused=pause_views(app, spec, case, track_rows),
        withdrawn=tuple(_item(e, email) for e in evidence if e.withdrawn_at is not None and e.erased_at is None),
        parties=tuple(PartyItem(p.id, p.kind, _party_label(p), p.person.email if p.person else None) for p in case.parties),
        owner=email.get(case.owner_id) if case.owner_id else None,
        erased_evidence=tuple(_item(e, email) for e in evidence if e.erased_at is not None),
        held_at=case.held_at,
        held_reason=case.held_reason,
        content_erased_at=case.erased_at,
    )
    return view, people


def _item(e: Any, email: dict[int, str]) -> EvidenceItem:
    return EvidenceItem(
        e.id,
        e.kind,
        e.sha256,
        e.size,
        e.original_name,
        e.media_type,
        e.url,
        e.captured_at,
        e.description,
        email[e.added_by_id],
        e.added_at,
        e.withdrawn_at,
        e.withdrawn_reason,
        e.erased_at,
        e.erased_reason,
    )


def _party_label(party: Party | PartyRecord) -> str:
    if party.person is not None:
        return party.person.name
    return party.name or party.reference or f"#{party.id}"


def _people(session: Session, ids: Iterable[int]) -> dict[int, Any]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {p.id: p for p in core_rows(session, select(*PERSON).where(people_table.c.id.in_(wanted)))}


def takeable(spec: Workflow, stage: str, track_stages: Mapping[str, str], viewer: Viewer, access: CaseAccess) -> list[Route]:
    """The actions an open case offers now (its stage's, its running tracks', the starts of the others) that
    this person's roles or relations let them take, guards aside: the case page's rule and the dashboard's."""
    return [offer for offer in offered(spec, stage, track_stages) if may_take(viewer, access, offer.action)]


def available_actions(
    app: Redress, case: Case | CaseRecord, facts: CaseFacts, viewer: Viewer, access: CaseAccess, track_stages: Mapping[str, str]
) -> tuple[ActionView, ...]:
    """The actions this person may take now (the same rule the command checks), each with what still blocks it:
    the main procedure's, each running track's (`track_stages`: their stages) and the starts of the others."""
    if case.closed_at is not None:
        return ()
    spec = app.compiled(case.workflow_id).spec
    result = []
    for offer in takeable(spec, case.stage, track_stages, viewer, access):
        action = offer.action
        to = spec.tracks[offer.procedure].initial_stage if isinstance(action, TrackStart) else action.to
        if any(GUARDS[g].fixed and not GUARDS[g].holds(facts) for g in action.guards):
            continue  # a guard no later step can meet (the case's categories): not offered at all
        fields = {k: FieldView(f.label, f.type.value, f.required, tuple(f.choices)) for k, f in action.fields.items()}
        blocked = tuple(GUARDS[g].refusal for g in action.guards if not GUARDS[g].holds(facts))
        result.append(
            ActionView(
                offer.name,
                action.title,
                to,
                fields,
                blocked,
                offer.procedure,
                offer.track if offer.starts else None,
                getattr(action, "primary", False),
            )
        )
    return tuple(result)


def events_of(app: Redress, session: Session, case_id: int) -> tuple[list[AuditEvent], tuple[Event, ...]]:
    """A case's audit events as rows (to verify) and as views (to show), from one query."""
    rows = audit.events(session, case_id)
    return rows, tuple(
        Event(
            e.seq,
            e.at,
            app.local(e.at),
            e.actor,
            e.kind,
            e.action,
            e.stage_before,
            e.stage_after,
            dict(e.data),
            e.hash,
            e.track,
            e.erased_at is not None,
        )
        for e in rows
    )


def chronology_of(
    app: Redress, session: Session, case: Case, events: tuple[Event, ...], known: Iterable[Person] = ()
) -> tuple[ChronologyEntry, ...]:
    """The events in plain words; the people they name taken from `known` (people the caller already read),
    the others read in one query (none when every one is known)."""
    from engine.queries.chronology import chronology, mentioned, people_of  # its words: not for `case show`

    spec = app.compiled(case.workflow_id).spec
    found = [(p.email, p.name, p.roles) for p in known]
    emails = sorted(mentioned(events) - {email for email, _, _ in found})
    if emails:
        found += [
            (r.email, r.name, r.roles)
            for r in session.execute(select(Person.email, Person.name, Person.roles).where(Person.email.in_(emails)))
        ]
    return chronology(events, spec, people_of(found, spec), app.zone)


def chain_check(rows: list[AuditEvent], case: Case) -> ChainCheck:
    """The chain as read, checked link by link and against the head the case row carries (so a cut end shows)."""
    result = audit.verify_events(rows, (case.head_seq, case.head_hash))
    return ChainCheck(result.ok, result.checked, result.first_bad_seq, result.reason, erased=result.erased)


def case_check(chain: ChainCheck, full: integrity.VerifyResult) -> CaseCheck:
    """The chain as read, and what `redress verify --case N` found, as one answer: ok only when both hold."""
    problems = full.problems + ((f"... and {full.more} more problem(s)",) if full.more else ())
    reason = chain.reason or (problems[0] if problems else "")
    return CaseCheck(chain.ok and full.ok, chain.checked, chain.first_bad_seq, reason, problems, erased=chain.erased)


def audit_trail(app: Redress, case_id: int, *, verify: bool = False) -> AuditTrail:
    """Every event of a case in order; with `verify`, its chain checked from the same read, then the full
    per-case check of `redress verify --case N` (signatures, the case row and its records replayed from the
    events, the evidence files, the checkpoints), which reads again and hashes every file: for `case audit
    --verify` and the API, not for a page."""
    with app.db.reading() as session:
        case = session.get(Case, case_id)
        if case is None:
            load_case(session, case_id)  # the NotFound with its hint
        assert case is not None
        rows, events = events_of(app, session, case_id)
        chain = chain_check(rows, case) if verify else None
        told = chronology_of(app, session, case, events)
    if chain is None:
        return AuditTrail(case_id, events, None, told)
    from engine.commands import integrity  # the full check replays the write side: imported only when asked

    return AuditTrail(case_id, events, case_check(chain, integrity.verify(app, case_id=case_id)), told)


def verify_trail(app: Redress, case_id: int) -> audit.Verification:
    with app.db.reading() as session:
        load_case(session, case_id)
        return audit.verify(session, case_id)
