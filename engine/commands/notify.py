"""Who is told, and the outbox rows that tell them, written in the command's transaction.

The workflow says which notification goes to which roles or relations; here those
become people, the templates are rendered, and one outbox row per person is added.
Nothing is sent here: a rolled-back transaction cannot unsend an email.

No template is rendered while the write lock is held (a school's template may take its whole time
limit): a command first reads and decides in a read transaction, where `queue` only gathers what it
will render (`Renders`, collecting); the messages are rendered outside any transaction; then the
command decides again in its write transaction, where `queue` takes each message from what was
rendered, keyed by its template and its whole context. A message not rendered (the case changed in
between, so the context did) raises `MissingRenders`: the command rolls back, renders and redoes it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from engine.errors import BadInput, Conflict
from engine.queries.access import access_of
from engine.rules import notices
from engine.rules.access import REPORTER, STAFF_CONCERNED, Sight, Viewer, case_sight
from engine.rules.actions import applies
from notifications.errors import TemplateError
from notifications.mail import make_message_id
from store import Case, OutboxMessage, Person, later, table_of
from workflows import RELATIONS, Notification, Workflow

if TYPE_CHECKING:
    from engine.context import Redress
    from notifications.render import Rendered, TemplateRenderer

RENDERS = "renders"
"""The session.info key of the command's `Renders`."""


class MissingRenders(Exception):
    """The write transaction needs a message that was not rendered before it began: roll back, render, redo."""


class Rehearsed(Exception):
    """The end of a rehearsal (`Renders.staged`): raised through the command's unit of work, which rolls back."""


class Collected(Exception):
    """The read pass has gathered every message the command will send: it stops before it would write."""


class Renders:
    """The messages a command sends, rendered outside any write transaction, by template and context."""

    def __init__(self) -> None:
        self.done: dict[str, Rendered] = {}
        self.failed: dict[str, str] = {}
        self.wanted: dict[str, tuple[str, dict[str, Any], str | None]] = {}
        self.collecting = False
        self.deciding = False
        """A reading pass inside the write transaction (`deciding_in`): if it will send nothing, it writes."""
        self.asked = False
        """Whether `get` was asked for any message in this pass."""

    def get(self, template: str, context: dict[str, Any], within: str | None = None) -> Rendered | None:
        """The message rendered from exactly this template and context (or `within`'s, the smaller template a
        reader who may not see the case gets when `template` needs more); None (and wanted) if not rendered
        yet; a template that failed to render refuses here, where the command would have rendered it."""
        self.asked = True
        key = json.dumps([template, context, within], sort_keys=True, separators=(",", ":"), default=str)
        found = self.done.get(key)
        if found is None:
            if key in self.failed:
                raise BadInput(self.failed[key])
            self.wanted[key] = (template, context, within)
        return found

    def render_wanted(self, renderer: TemplateRenderer) -> None:
        """Render what the last pass wanted; to be called with no transaction open."""
        for key, (template, context, within) in self.wanted.items():
            try:
                self.done[key] = (
                    renderer.render(template, context) if within is None else renderer.render_within(template, context, within)
                )
            except TemplateError as exc:
                self.failed[key] = f"the email template '{template}' could not be rendered: {exc}"
        self.wanted.clear()

    @contextmanager
    def collecting_in(self, session: Session) -> Iterator[None]:
        """The read pass: `queue` gathers the messages and writes nothing; `Collected` ends the pass quietly."""
        session.info[RENDERS], self.collecting = self, True
        try:
            yield
        except Collected:
            pass
        finally:
            self.collecting = False
            session.info.pop(RENDERS, None)

    @contextmanager
    def deciding_in(self, session: Session) -> Iterator[None]:
        """The reading pass run inside the command's write transaction: `queue` gathers the messages and writes
        nothing, as in `collecting_in`; where the command would stop (`collecting`), a pass that will send no
        message at all stops collecting and goes on to write, in the same transaction. One that will send
        some raises Collected through the transaction, which rolls back: nothing was written before it."""
        session.info[RENDERS], self.collecting, self.deciding, self.asked = self, True, True, False
        try:
            yield
        finally:
            self.collecting = self.deciding = False
            session.info.pop(RENDERS, None)

    @contextmanager
    def staged(self, session: Session, rehearsal: bool) -> Iterator[None]:
        """Inside a command's own unit of work (`rendered_first`): a rehearsal gathers what `queue` would render,
        writes no outbox row, and ends in `Rehearsed`, so nothing at all is written; the performance takes each
        message rendered."""
        if not rehearsal:
            self.used_in(session)
            yield
            return
        session.info[RENDERS], self.collecting = self, True
        try:
            yield
        finally:
            self.collecting = False
            session.info.pop(RENDERS, None)
        raise Rehearsed

    def used_in(self, session: Session) -> Renders:
        """The write pass: `queue` takes each message from those rendered, or raises MissingRenders."""
        session.info[RENDERS] = self
        return self


T = TypeVar("T")
REHEARSALS = 3


def rendered_first(app: Redress, command: Callable[[Renders, bool], T]) -> T:
    """Run a command that queues email from inside its own unit of work so that nothing renders while its write
    transaction is open: `command(renders, True)` rehearses (its emails gathered, its transaction rolled back),
    they are rendered with none open, then `command(renders, False)` runs for real; again if what it would send
    changed in between, up to REHEARSALS times. The command wraps its body in `renders.staged(session, ...)`."""
    renders = Renders()
    for _ in range(REHEARSALS):
        with contextlib.suppress(Rehearsed):
            command(renders, True)
        renders.render_wanted(app.renderer)  # no transaction open
        try:
            return command(renders, False)
        except MissingRenders:
            continue
    raise Conflict("the record changed while you were acting: try again")


def collecting(session: Session) -> bool:
    """In the read pass: the command stops (raise Collected) where it would start writing. A reading pass in
    the write transaction (`Renders.deciding_in`) that asked for no message stops collecting here: it writes."""
    renders: Renders | None = session.info.get(RENDERS)
    if renders is None or not renders.collecting:
        return False
    if renders.deciding and not renders.asked:
        renders.collecting = False  # nothing to render: every later `queue` finds what it needs rendered, or refuses
        return False
    return True


def people_for(session: Session, case: Case, who: Iterable[str]) -> list[Person]:
    """The active people holding these roles, or these relations within the case, once each."""
    found: dict[int, Person] = {}
    roles = {w for w in who if w not in RELATIONS}
    if roles:
        for person in active_people(session):
            if roles & set(person.roles):
                found.setdefault(person.id, person)
    if STAFF_CONCERNED in who:
        for party in case.parties:
            if party.kind == "staff" and party.person is not None and party.person.active:
                found.setdefault(party.person.id, party.person)
    if REPORTER in who and case.opened_by.active:
        found.setdefault(case.opened_by.id, case.opened_by)
    return list(found.values())


def active_people(session: Session) -> list[Person]:
    """The school's active people, read once per unit of work (the actor is among them, and a batch of
    deadlines asks many times); read without flushing the session, which the action path never does."""
    cached: list[Person] | None = session.info.get("active_people")
    if cached is None:
        with session.no_autoflush:
            cached = list(session.scalars(_ACTIVE_PEOPLE))
        session.info["active_people"] = cached
    return cached


_ACTIVE_PEOPLE = select(Person).where(Person.active.is_(True)).order_by(Person.id)
_INSERT_OUTBOX = insert(table_of(OutboxMessage))


def relations_of(case: Case, person: Person) -> set[str]:
    held = set()
    if any(p.kind == "staff" and p.person_id == person.id for p in case.parties):
        held.add(STAFF_CONCERNED)
    if case.opened_by_id == person.id:
        held.add(REPORTER)
    return held


def case_context(app: Redress, spec: Workflow, case: Case) -> dict[str, Any]:
    base = app.settings.base_url
    return {
        "id": case.id,
        "summary": case.summary,
        "stage": case.stage,
        "stage_title": spec.stages[case.stage].title,
        "categories": [spec.categories[c].label for c in case.categories if c in spec.categories],
        "platform": case.platform,
        "link": case.link,
        "opened_at": app.local(case.opened_at),
        "url": f"{str(base).rstrip('/')}/cases/{case.id}" if base else None,
        "prejudice": spec.flagged(case.categories, "prejudice"),
        "authorities": spec.flagged(case.categories, "authorities"),
    }


def queue(
    app: Redress, session: Session, case: Case | None, template: str, people: Iterable[Person], context: dict[str, Any]
) -> int:
    """Render `template` for each person, then add an outbox row each; return how many.

    Each person is told no more than they may read in the app: someone who may not open the case in full
    gets the context `notices.for_reader` leaves them (and the `minimal` email when the template needs more),
    unless the school asked for full emails. Every message is rendered before any row is added, so a
    template that fails adds nothing. Under a command's `Renders` (see the module's doc) the messages come
    from those rendered before the write transaction began; without one (only a test calling `queue`
    directly: every command rehearses or reads first) they are rendered here."""
    people = list(people)
    rows = outbox_rows(app, session, case, template, people, context)
    if rows is None:
        return len(people)  # the read pass: as many as it would queue
    _write_outbox(session, rows)
    return len(rows)


def outbox_rows(
    app: Redress, session: Session, case: Case | None, template: str, people: list[Person], context: dict[str, Any]
) -> list[dict[str, Any]] | None:
    """The outbox rows that tell each person (see `queue`), not yet written; None in a read pass, which only
    gathers what it will render."""
    now = app.clock.now()
    sights = sights_of(app, session, case, people) if case is not None else {}
    settings = app.settings
    renders: Renders | None = session.info.get(RENDERS)
    rendered: list[tuple[Person, Rendered]] = []
    missing = False
    for person in people:
        sight = sights.get(person.id, Sight.FULL)
        whom = {"school_name": settings.school_name, "recipient": {"name": person.name, "email": person.email}}
        if notices.full_detail(sight, template, settings.email_detail, settings.email_full_templates):
            told, within = {**context, **whom}, None
        else:
            told, within = {**notices.for_reader(context, sight, template, _sign_in(app)), **whom}, notices.MINIMAL
        if renders is not None:
            message = renders.get(template, told, within)
            if message is None:
                missing = True
            else:
                rendered.append((person, message))
            continue
        try:
            message = (
                app.renderer.render(template, told) if within is None else app.renderer.render_within(template, told, within)
            )
            rendered.append((person, message))
        except TemplateError as exc:
            raise BadInput(f"the email template '{template}' could not be rendered: {exc}") from exc
    if renders is not None and renders.collecting:
        return None  # nothing is written in the read pass
    if missing:
        raise MissingRenders(template)
    return [
        {
            "case_id": case.id if case else None,
            "template": template,
            "recipient_email": person.email,
            "recipient_name": person.name,
            "subject": message.subject,
            "body_text": message.text,
            "body_html": message.html,
            "message_id": make_message_id(app.mail_domain),
            "status": "queued",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for person, message in rendered
    ]


def _write_outbox(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:  # on the connection, nothing for the session to flush; or with the batch's other rows (store.later)
        later.write(session, _INSERT_OUTBOX, rows)


def sights_of(app: Redress, session: Session, case: Case, people: list[Person]) -> dict[int, Sight]:
    """How much of `case` each person may see, by the rule every page asks (engine.rules.access.case_sight),
    read without flushing the command's unfinished work."""
    if not people:
        return {}
    with session.no_autoflush:
        access = access_of(session, case)
        powers = app.current_workflow(session).spec
    spec = app.compiled(case.workflow_id).spec
    return {p.id: case_sight(Viewer.of(powers, p.id, p.email, p.name, p.roles), access, spec) for p in people}


def _sign_in(app: Redress) -> str | None:
    base = app.settings.base_url
    return f"{str(base).rstrip('/')}/sign-in" if base else None


def notify_all(
    app: Redress,
    session: Session,
    spec: Workflow,
    case: Case,
    notifications: Iterable[Notification],
    extra: dict[str, Any],
    actor_id: int | None = None,
) -> list[str]:
    """Queue every notification that applies to the case; return the templates queued, for the audit trail.

    Each person gets one urgent email per case, and the safety email instead of the reassurance
    (engine.rules.notices), however many of the notifications name them. Nobody is told of their own
    action (`actor_id`, the person who took it: the page already said it was done)."""
    context = {"case": case_context(app, spec, case), "actor": None, "action": None, "deadline": None, "reason": None, **extra}
    wanted: list[tuple[str, str]] = []
    people: dict[str, Person] = {}
    for notification in notifications:
        if applies(spec, notification, case.categories):
            for person in people_for(session, case, notification.to):
                if person.id == actor_id:
                    continue
                people.setdefault(person.email, person)
                wanted.append((notification.template, person.email))
    chosen = notices.choose(wanted, _had_urgent(session, case.id) if any(notices.family(t) for t, _ in wanted) else ())
    by_template: dict[str, list[Person]] = {}
    for template, email in chosen:
        by_template.setdefault(template, []).append(people[email])
    queued: list[str] = []
    rows: list[dict[str, Any]] = []
    for template, recipients in by_template.items():
        told = outbox_rows(app, session, case, template, recipients, context)
        if told is None or told:  # (None: the read pass, which writes nothing)
            queued.append(template)
            rows += told or []
    _write_outbox(session, rows)  # every message of every notification in one statement
    return queued


def _had_urgent(session: Session, case_id: int) -> set[str]:
    """Who already has an urgent email of this case queued or sent (by an earlier command, or this one): as
    `read_urgent_ahead` read it for the batch, else read now; with the rows kept for the end (store.later)."""
    ahead: dict[int, set[str]] = session.info.get(URGENT_AHEAD, {})
    had = ahead[case_id] if case_id in ahead else {row[0] for row in session.connection().execute(_URGENT, {"case_id": case_id})}
    kept = later.write_behind(session)
    return had | {
        row["recipient_email"]
        for row in (kept.pending(_INSERT_OUTBOX) if kept else ())
        if row["case_id"] == case_id and row["template"] in notices.URGENT
    }


def read_urgent_ahead(session: Session, case_ids: list[int]) -> None:
    """Who has had an urgent email of each of these cases, in one query, for a worker batch whose own emails are
    all kept for its end (store.later), so what was read stays true with them."""
    ahead: dict[int, set[str]] = {case_id: set() for case_id in case_ids}
    for case_id, email in session.connection().execute(_URGENT_MANY, {"case_ids": case_ids}):
        ahead[case_id].add(email)
    session.info[URGENT_AHEAD] = ahead


URGENT_AHEAD = "urgent_read_ahead"
_outbox = table_of(OutboxMessage)
_URGENT = select(_outbox.c.recipient_email).where(
    _outbox.c.case_id == bindparam("case_id"), _outbox.c.template.in_(sorted(notices.URGENT))
)
_URGENT_MANY = select(_outbox.c.case_id, _outbox.c.recipient_email).where(
    _outbox.c.case_id.in_(bindparam("case_ids", expanding=True)), _outbox.c.template.in_(sorted(notices.URGENT))
)
