"""The tables, as typed SQLAlchemy 2.x models. Times are stored in UTC and come back aware."""

# No `from __future__ import annotations` here: SQLAlchemy would then eval every `Mapped[...]` string when it
# maps the classes (about 15 ms of every command's start); a class used before it is defined is quoted.

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

GENESIS = "0" * 64
"""The hash an audit chain starts from."""


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Redress stores only timezone-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


def table_of(model: type[Base]) -> Table:
    """A model's Table, typed as one: for the Core statements of the hot paths."""
    return cast(Table, model.__table__)


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    roles: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    totp_secret: Mapped[str | None] = mapped_column(String(255), default=None)
    """The base32 secret of their authenticator app, once enrolment is confirmed (None: not enrolled), sealed
    under the totp key (store.sealed): never the secret itself."""
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(default=None)
    totp_last_step: Mapped[int | None] = mapped_column(default=None)
    """The 30-second step of the last code accepted: a code is good once (no replay)."""


class WorkflowVersion(Base):
    """A workflow spec as a case started on it, kept by content hash (invariant 5)."""

    __tablename__ = "workflow_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    """The YAML text as it was loaded."""
    loaded_at: Mapped[datetime]
    current: Mapped[bool] = mapped_column(default=False)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_open_stage", "closed_at", "stage"),
        Index("ix_cases_opened_at", "opened_at"),  # the monitoring report's period
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflow_versions.id"))
    stage: Mapped[str] = mapped_column(String(60))
    categories: Mapped[list[str]] = mapped_column()
    summary: Mapped[str] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(String(200), default=None)
    link: Mapped[str | None] = mapped_column(Text, default=None)
    seen_at: Mapped[datetime | None] = mapped_column(default=None)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    opened_at: Mapped[datetime]
    stage_entered_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str | None] = mapped_column(String(200), default=None)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The answers given with each action, under the action's name ({action: {field: value}}), the action
    taken last at the end: what guards and templates read. A field of one action never hides another's."""
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    head_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    """The sequence number of the last event of the case's audit chain (0: none yet)."""
    head_hash: Mapped[str] = mapped_column(String(64), default=GENESIS, server_default=GENESIS)
    """That event's hash: written with each event, so the chain is appended to without reading its tail,
    and a chain cut short no longer ends where its case says (invariant 4)."""
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None, index=True)
    """The person who carries the case day to day (assigned by `assign_owner`; None: the role as a whole)."""
    first_published_on: Mapped[date | None] = mapped_column(Date, default=None)
    """When what was posted was first published (the defamation limitation runs 12 months from it; None: not known)."""
    held_at: Mapped[datetime | None] = mapped_column(default=None)
    """Set while the case is under a legal hold (legal advice, the police): it is never purged then."""
    held_reason: Mapped[str | None] = mapped_column(Text, default=None)
    held_by_id: Mapped[int | None] = mapped_column(default=None)
    """Who placed the hold (people.id; no foreign key, so adding the column never rebuilds the cases table,
    which SQLite cannot do while other tables' rows refer to it)."""
    erased_at: Mapped[datetime | None] = mapped_column(default=None)
    """Set when the case's content was erased under the retention schedule (its certificate says why)."""

    __mapper_args__ = {"version_id_col": version}

    workflow: Mapped[WorkflowVersion] = relationship(
        lazy="raise"
    )  # the spec is cached by version id: never load its text per case
    opened_by: Mapped[Person] = relationship(lazy="joined", foreign_keys=[opened_by_id])
    parties: Mapped[list["Party"]] = relationship(back_populates="case", order_by="Party.id", lazy="selectin")


class Party(Base):
    """Someone a case is about or involves: a member of staff (a person), a pupil (a reference
    only, never more personal data than needed), or a poster (not a user: contact details for letters)."""

    __tablename__ = "parties"
    # The read side: the matters about a member of staff, found from the person.
    __table_args__ = (Index("ix_parties_person", "person_id", "kind", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # staff | pupil | poster
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    reference: Mapped[str | None] = mapped_column(String(200), default=None)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    contact: Mapped[str | None] = mapped_column(Text, default=None)
    address: Mapped[str | None] = mapped_column(Text, default=None)
    """A poster's postal address, for letters."""

    case: Mapped[Case] = relationship(back_populates="parties")
    person: Mapped[Person | None] = relationship(lazy="joined")


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # file | link
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    size: Mapped[int | None] = mapped_column(default=None)
    original_name: Mapped[str | None] = mapped_column(String(255), default=None)
    media_type: Mapped[str | None] = mapped_column(String(100), default=None)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    captured_at: Mapped[datetime | None] = mapped_column(default=None)
    description: Mapped[str] = mapped_column(Text, default="")
    added_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    added_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
    """Set when the item is withdrawn from the case's list: the row and its file stay (custody unbroken)."""
    withdrawn_reason: Mapped[str | None] = mapped_column(Text, default=None)
    erased_at: Mapped[datetime | None] = mapped_column(default=None)
    """Set when the file was erased (uploaded by mistake, or purged): the row stays as its tombstone, with
    its SHA-256; the file leaves the store, and its name and description go."""
    erased_by_id: Mapped[int | None] = mapped_column(default=None)
    """The person who erased it (people.id; no foreign key, so adding the column never rebuilds the table)."""
    erased_reason: Mapped[str | None] = mapped_column(Text, default=None)


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    attendees: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime]


class AuditEvent(Base):
    """One event of a case, hash-chained to the one before it (invariant 4). Append-only."""

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        # The monitoring report: stays in each stage (read in chain order without touching the
        # table) and arrivals at the chair, legal advice and the authorities.
        Index("ix_audit_stays", "case_id", "seq", "kind", "at", "stage_before"),
        Index("ix_audit_arrivals", "kind", "stage_after", "at", "case_id", "actor"),
        Index("ix_audit_at", "at"),
        # The read side: the stages a case has reached (who may see it), without reading its events.
        Index("ix_audit_reached", "case_id", "stage_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int]
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    actor: Mapped[str] = mapped_column(String(320))
    """The actor's email, or 'system'."""
    kind: Mapped[str] = mapped_column(String(40))
    action: Mapped[str | None] = mapped_column(String(60), default=None)
    stage_before: Mapped[str | None] = mapped_column(String(60), default=None)
    stage_after: Mapped[str | None] = mapped_column(String(60), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64), default=None)
    """HMAC-SHA256 of `hash` under the integrity key kept outside the database (None: recorded before keys)."""
    track: Mapped[str | None] = mapped_column(String(60), default=None)
    """The track the event moved (its name), or None for the case's own procedure."""
    formula: Mapped[int] = mapped_column(Integer, server_default="1")
    """How `hash` was made: 1 over the content itself (events recorded before digests), 2 over `digest`.
    store.audit writes 2; a row written without saying is taken as 1, as its hash was made then."""
    digest: Mapped[str | None] = mapped_column(String(64), default=None)
    """SHA-256 of `data`: what a formula-2 hash commits to, so `data` can be erased and the chain still hold."""
    erased_at: Mapped[datetime | None] = mapped_column(default=None)
    """Set when `data` was erased (retention, a mistaken upload): a later event of the case says why."""


class CaseTrack(Base):
    """A track a case has started (the platform, the police): its stage, alongside the case's own.
    One row per track per case; a track that reaches a final stage is finished, and the case goes on."""

    __tablename__ = "case_tracks"
    __table_args__ = (UniqueConstraint("case_id", "track"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    track: Mapped[str] = mapped_column(String(60))
    stage: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime]
    stage_entered_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class CaseLink(Base):
    """Two cases the school holds to be connected (the same poster, the same thread, or a person's judgement).
    One row each way, so a case's links are read from its own id; both rows are written, and audited on both
    cases' trails, by `link_cases`. Append-only."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("case_id", "other_id"), Index("ix_case_links_basis", "basis", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    other_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(String(20))  # poster | platform | thread | manual
    by: Mapped[str] = mapped_column(String(320))
    """Who linked them: an email."""
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    at: Mapped[datetime]


class StaffReport(Base):
    """A post a member of staff reports about themselves: what, where, when seen, maybe a screenshot (kept in
    the evidence store by its SHA-256). Those who triage reports open a case from it (`case_id`) or decline it
    with a reason the reporter reads."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_status", "status", "id"),  # the triage page: new reports first
        Index("ix_reports_reporter", "reporter_id", "id"),  # the reporter's own reports
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text, default=None)
    seen_at: Mapped[datetime | None] = mapped_column(default=None)
    file_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    file_name: Mapped[str | None] = mapped_column(String(255), default=None)
    file_size: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20), default="new")  # new | opened | declined
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    """Why it was declined: the reporter reads it."""
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)


class SubjectRequest(Base):
    """A subject access request (UK GDPR): who asked, for whose data (names, emails, pupil references to search
    for), when it came and whether their identity was checked; when the answer is due (one calendar month,
    or up to three when extended, with the reason and the day the person was told), and when it was answered."""

    __tablename__ = "subject_requests"
    __table_args__ = (Index("ix_subject_requests_open", "answered_on", "due_on"),)  # the open ones, soonest due first

    id: Mapped[int] = mapped_column(primary_key=True)
    requester: Mapped[str] = mapped_column(String(200))
    """Who asked, as they signed the request (a parent may ask for their child's data)."""
    terms: Mapped[list[str]] = mapped_column(default=list)
    """What identifies the person whose data is asked for: names, email addresses, pupil references."""
    received_on: Mapped[date] = mapped_column(Date)
    identity_checked: Mapped[bool] = mapped_column(default=False)
    due_on: Mapped[date] = mapped_column(Date)
    """The day the answer is due now: the first month's, or the extended one."""
    first_due_on: Mapped[date] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text, default=None)
    told_on: Mapped[date | None] = mapped_column(Date, default=None)
    """The day the person was told of the extension (within the first month)."""
    answered_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


class Timer(Base):
    """A deadline of a case. The row is the truth; the scheduler only wakes the worker (invariant 2)."""

    __tablename__ = "timers"
    __table_args__ = (
        # The worker's due timers, and the monitoring report's missed deadlines.
        Index("ix_timers_fired", "status", "due_at", "kind", "case_id"),
        # An action cancels its case's pending timers; every lookup by case starts with case_id.
        Index("ix_timers_case_status", "case_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    stage: Mapped[str] = mapped_column(String(60))
    deadline: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))  # reminder | escalation
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | paused | fired | cancelled
    repeat: Mapped[int] = mapped_column(default=0)
    """How many times this reminder has already repeated."""
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None] = mapped_column(default=None)
    track: Mapped[str | None] = mapped_column(String(60), default=None)
    """The track whose stage this deadline belongs to, or None for the case's own procedure."""
    paused_at: Mapped[datetime | None] = mapped_column(default=None)
    """While paused (a track waits on a third party): when it stopped; `due_at` keeps the time it had."""
    remaining_seconds: Mapped[int | None] = mapped_column(default=None)
    """While paused: the time it had left, due_at - paused_at."""


class OutboxMessage(Base):
    """An email waiting to be sent, written in the same transaction as what caused it (invariant 3)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True, default=None)
    template: Mapped[str] = mapped_column(String(60))
    recipient_email: Mapped[str] = mapped_column(String(320))
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class SignIn(Base):
    """Every sign-in attempt to the web app, kept for `sign_in_retention_days` (then pruned)."""

    __tablename__ = "sign_ins"
    __table_args__ = (
        Index("ix_sign_ins_at", "at"),  # pruning by age
        Index("ix_sign_ins_client", "client", "at"),  # the per-address throttle
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    at: Mapped[datetime]
    succeeded: Mapped[bool]
    detail: Mapped[str] = mapped_column(String(200), default="")
    client: Mapped[str | None] = mapped_column(String(64), default=None)
    """The address the attempt came from, when known."""
    method: Mapped[str] = mapped_column(String(40), default="password", server_default="password")
    """How: 'password', 'two-factor', or 'sso:<provider>'."""


class WebSession(Base):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is kept here, so a
    copy of this table signs nobody in. Revoked rows stay until they expire, then are pruned."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_person", "person_id", "revoked_at"), Index("ix_sessions_expires", "expires_at"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The SHA-256 (hex) of the token the cookie carries."""
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    """The absolute end, however active the session is."""
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    user_agent: Mapped[str | None] = mapped_column(String(200), default=None)
    client: Mapped[str | None] = mapped_column(String(64), default=None)
    second_factor: Mapped[str] = mapped_column(String(20), default="", server_default="")
    """How the second step was met: '' not yet, 'totp', 'recovery', 'remembered', 'sso-mfa'."""
    held_form: Mapped[str | None] = mapped_column(Text, default=None)
    """A refused form (JSON: which form, the message, the field, the values), shown once by the next page."""


class RecoveryCode(Base):
    """A one-time recovery code for two-factor sign-in: only a salted SHA-256 of it is kept."""

    __tablename__ = "recovery_codes"
    __table_args__ = (Index("ix_recovery_codes_person", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    salt: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class RememberedBrowser(Base):
    """A browser that may skip the second step until `expires_at`: the cookie holds a random token, this its SHA-256."""

    __tablename__ = "remembered_browsers"
    __table_args__ = (Index("ix_remembered_browsers_person", "person_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SchoolEvent(Base):
    """One change to who may use Redress (people added, deactivated, roles, passwords, sessions ended),
    hash-chained to the one before it like a case's audit trail. Append-only."""

    __tablename__ = "school_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(320))
    """Who made the change: an email, or 'command line (USER)'."""
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None, index=True)
    subject: Mapped[str] = mapped_column(String(320), default="")
    """The email of the person changed, as it was then."""
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Checkpoint(Base):
    """The heads of every case's chain at one moment, chained to the checkpoint before it and keyed
    (store.integrity). Copies leave the database (the digest, checkpoints.log), so a chain rebuilt
    afterwards no longer matches a checkpoint kept elsewhere. Append-only."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime]
    cases: Mapped[int]
    """How many cases the heads cover (those of earlier checkpoints included)."""
    heads_digest: Mapped[str] = mapped_column(String(64))
    """SHA-256 over every (case_id, head_seq, head_hash), in case order."""
    heads: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The heads that moved since the checkpoint before: {case_id: [head_seq, head_hash]}."""
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64), default=None)


class AccessEntry(Base):
    """Who read what of a case, and when: a page view, an evidence download, an export, a letter.
    Hash-chained school-wide and keyed like the audit trail. Append-only."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_case", "case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(320))
    actor_id: Mapped[int | None] = mapped_column(default=None)
    case_id: Mapped[int | None] = mapped_column(default=None)
    what: Mapped[str] = mapped_column(String(40))  # case_page | evidence | export | letter | access_log
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64), default=None)


class VerificationRun(Base):
    """The result of one `redress verify` (the worker's nightly run included): what the dashboard and
    the digest show."""

    __tablename__ = "verifications"
    __table_args__ = (Index("ix_verifications_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    ok: Mapped[bool]
    cases: Mapped[int]
    events: Mapped[int]
    files: Mapped[int]
    unsigned: Mapped[int] = mapped_column(default=0)
    problems: Mapped[list[str]] = mapped_column(default=list)
    """The first problems found, each a sentence (at most 100 kept)."""
    checkpoint_seq: Mapped[int | None] = mapped_column(default=None)
    checkpoint_hash: Mapped[str | None] = mapped_column(String(64), default=None)


class ReviewEvent(Base):
    """One answer, effectiveness statement or signature given in the annual policy review, by whom and when.
    Append-only: a review's answers are the latest event per point, its signatures those given since the
    last change of an answer (engine.queries.review reads them so)."""

    __tablename__ = "review_events"
    __table_args__ = (Index("ix_review_events_year", "year", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    """The calendar year under review."""
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(320))
    """The email of the person who answered or signed."""
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    kind: Mapped[str] = mapped_column(String(20))
    """answer | statement | signed"""
    point: Mapped[int | None] = mapped_column(default=None)
    """The checklist point answered, numbered from 1 in the policy's order (answer only)."""
    answer: Mapped[str] = mapped_column(String(10), default="")
    """yes | no | na (answer only)."""
    text: Mapped[str] = mapped_column(Text, default="")
    """The evidence note of an answer, or the statement."""
    capacity: Mapped[str] = mapped_column(String(40), default="")
    """The reviewer signed as: coordinator | headteacher | nominated_director (signed only)."""
    next_review: Mapped[date | None] = mapped_column(Date, default=None)
    """Set by the signature that completes the review: the date of the next one."""


class ErasureCertificate(Base):
    """What was erased, when, under which rule and by whom: kept after the content it speaks of is gone."""

    __tablename__ = "erasure_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(320))
    """Who erased it (their email), or 'system' for the worker's monthly purge."""
    rule: Mapped[str] = mapped_column(String(60))
    """The retention rule's key (or `mistaken_upload`, `malicious_allegation`)."""
    rule_title: Mapped[str] = mapped_column(Text)
    """The rule in people's words, with its source, as it read when the erasure was made."""
    what: Mapped[list[str]] = mapped_column(default=list)
    """What went, one line each (no content: 'the summary', 'evidence file 3 (SHA-256 …)')."""
    event_seq: Mapped[int]
    """The case's trail event that records the erasure."""
    event_hash: Mapped[str] = mapped_column(String(64))
