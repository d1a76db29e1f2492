"""The case page: who is asking, how much of the case they may see, and that much of it, in ONE read
transaction, so the access check guards exactly the snapshot it lets through and the page is consistent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from engine.commands.sessions import Live, live_person, state_of, touch
from engine.context import Redress
from engine.errors import NotFound
from engine.queries.access import access_of
from engine.queries.cases import case_view, chain_check, chronology_of, events_of
from engine.queries.links import case_links
from engine.queries.views import CasePage, CaseRead, CaseView, Handler, MatterView
from engine.rules.access import (
    CaseAccess,
    Power,
    Sight,
    Viewer,
    case_sight,
    holders,
    may_assign_owner,
    may_correct,
    may_erase_records,
    may_hold_cases,
    may_keep_records,
    may_open_case,
    may_reopen,
    may_write_letters,
)
from engine.rules.letters import LetterOption, meeting_tried, options
from store import Case, Person, WorkflowVersion


def case_page(app: Redress, token: str, case_id: int) -> CaseRead:
    """Case `case_id` as the person signed in with session `token` may see it; NotFound when there is no
    such case.

    The session and the viewer are read here too (not before, in transactions of their own), so a session
    ended or a role taken away a moment ago is not used to show a page: one snapshot for all of it. A
    session still owing the second step of sign-in reads nothing of the case (`CaseRead.pending`)."""
    with app.db.reading() as session:
        live = live_person(app, session, token)
        read = _case_page(app, session, live, case_id)
    if live is not None and live.stale and (read.viewer is not None or read.pending):
        touch(app, token)  # a few times an hour: the session's last-seen time, after the read
    return read


def _case_page(app: Redress, session: Session, live: Live | None, case_id: int) -> CaseRead:
    current = session.scalar(select(WorkflowVersion.id).where(WorkflowVersion.current.is_(True)))
    state = None if live is None or current is None else state_of(app, session, live, app.compiled(current).spec)
    if state is None:
        return CaseRead(None, case_id, Sight.NONE)
    if state.pending:
        return CaseRead(None, case_id, Sight.NONE, pending=state.pending)
    viewer = state.viewer
    case = session.get(Case, case_id, options=[joinedload(Case.parties)])
    if case is None:
        raise NotFound(f"there is no case {case_id}")
    may_open = current is not None and may_open_case(viewer, app.compiled(current).spec)
    access = access_of(session, case)
    spec = app.compiled(case.workflow_id).spec
    sight = case_sight(viewer, access, spec)
    if sight is Sight.MATTER:
        return CaseRead(viewer, case_id, sight, matter=matter_of(app, session, case, access), may_open=may_open)
    if sight is not Sight.FULL:
        return CaseRead(viewer, case_id, sight, may_open=may_open)
    view, people = case_view(app, session, case, viewer, access)
    rows, events = events_of(app, session, case_id)
    active = _active(session) if may_assign_owner(viewer) and not case.closed_at else None
    page = CasePage(
        viewer=viewer,
        access=access,
        sight=sight,
        case=view,
        stage_description=spec.stages[case.stage].description,
        category_labels=tuple((c, spec.categories[c].label) for c in view.categories if c in spec.categories),
        names={p.email: p.name for p in people.values()},
        trail=events,
        verification=chain_check(rows, case),
        keeper=may_keep_records(viewer, sight),
        chronology=chronology_of(app, session, case, events, [*people.values(), *(active or ())]),
        corrector=may_correct(viewer, sight),
        may_reopen=may_reopen(viewer, case.closed_at is not None, spec),
        reopen_to=spec.stages[spec.reopen.to].title if spec.reopen and spec.reopen.to in spec.stages else None,
        all_categories=tuple((name, c.label) for name, c in spec.categories.items()),
        links=case_links(app, session, case, viewer),
        owner_choices=_owner_choices(app, session, case, access, active) if active is not None else (),
        letters=_letters(view) if may_write_letters(viewer, sight) and not case.closed_at else (),
        may_erase=may_erase_records(viewer),
        may_hold=may_hold_cases(viewer) and case.erased_at is None,
    )
    return CaseRead(viewer, case_id, sight, page=page, may_open=may_open)


def _letters(view: CaseView) -> tuple[LetterOption, ...]:
    """The letters on offer, from what the page read already (its facts and meetings): no query of its own."""
    return options(meeting_tried(dict(view.facts), len(view.meetings)), view.platform)


def _active(session: Session) -> list[Person]:
    """The school's active people, by name: read once for the owner choices (and the chronology's names)."""
    return list(session.scalars(select(Person).where(Person.active.is_(True)).order_by(Person.name)))


def _owner_choices(
    app: Redress, session: Session, case: Case, access: CaseAccess, people: list[Person]
) -> tuple[tuple[str, str], ...]:
    """The active people who see the case in full, so may own it (engine.commands.owners checks again)."""
    powers, spec = app.current_workflow(session).spec, app.compiled(case.workflow_id).spec
    return tuple(
        (p.email, p.name)
        for p in people
        if case_sight(Viewer.of(powers, p.id, p.email, p.name, p.roles), access, spec) is Sight.FULL
    )


def matter_of(
    app: Redress,
    session: Session,
    case: Case,
    access: CaseAccess,
    people: list[Person] | None = None,
    see_every: frozenset[str] | None = None,
) -> MatterView:
    """What the staff member concerned is told: that the matter is being dealt with, and by whom (the
    roles that may see it in full, by name). `people` (the active people) and `see_every` (the roles that
    see every case under the current workflow) may be passed when already read, as a list of matters does."""
    spec = app.compiled(case.workflow_id).spec
    if see_every is None:
        see_every = holders(app.current_workflow(session).spec, Power.SEE_EVERY_CASE)
    roles = see_every | {r for s in access.stages_reached if s in spec.stages for r in spec.stages[s].visible_to}
    if people is None:
        people = list(session.scalars(select(Person).where(Person.active.is_(True)).order_by(Person.name)))
    by = tuple(Handler(p.name, spec.roles[r].label if r in spec.roles else r) for p in people for r in p.roles if r in roles)
    closed_on = case.closed_at.astimezone(app.zone).date() if case.closed_at else None
    return MatterView(case.id, case.opened_at.astimezone(app.zone).date(), case.closed_at is not None, closed_on, by)
