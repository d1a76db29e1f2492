"""Passwords and sign-in: argon2 hashes, a back-off after repeated failures, every attempt recorded.

Sign-in holds under attack:

- an attempt claims its check with one atomic `UPDATE ... RETURNING` (counted as a failure until it
  proves otherwise), so the limit is exact however many guesses arrive at once, on SQLite and PostgreSQL;
- the argon2 check runs outside any write transaction (SQLite's write lock is never held while it runs);
- unknown, wrong and locked get the same answer after the same work (one argon2 check each);
- after MAX_FAILURES failures the account waits FIRST_LOCK, doubling with each further failure up to
  LONGEST_LOCK: guessing slows to a crawl, and a stranger cannot shut a real person out for long;
- one client address gets CLIENT_LIMIT failures per CLIENT_WINDOW, whichever accounts it tries; after
  that its attempts are refused without a check (the address learns only about itself);
- at most CHECKS_AT_ONCE argon2 checks run at a time in a process, in a thread of lower priority (nice
  CHECK_NICENESS, which the hash's own threads inherit): a flood of guesses from many addresses queues for
  them and leaves the machine to the people signed in (`make bench signin` measures their writes during
  one). An attempt that cannot start its check within CHECK_WAIT is refused as "busy", before it is
  counted against the account;
- the record of attempts (`sign_ins`) is pruned after `sign_in_retention_days`, a bounded batch per attempt.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from engine.commands import trail
from engine.commands.people import person_by_email
from engine.commands.sessions import Client, create_session, revoke_all
from engine.context import Redress
from engine.errors import BadInput
from store import Person, SignIn

MAX_FAILURES = 5
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(minutes=5)
CLIENT_LIMIT = 50
CLIENT_WINDOW = timedelta(minutes=15)
PRUNE_BATCH = 100
CHECKS_AT_ONCE = 1
CHECK_WAIT = timedelta(seconds=5)
CHECK_NICENESS = 10
_CHECKS = threading.BoundedSemaphore(CHECKS_AT_ONCE)


def _lower_priority() -> None:
    # This thread only, on Linux; elsewhere (or where it is not allowed) the checks run at normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), CHECK_NICENESS)


_CHECKER = ThreadPoolExecutor(CHECKS_AT_ONCE, thread_name_prefix="password-check", initializer=_lower_priority)
MIN_PASSWORD = 10
PASSWORDS_OFF = "signing in with a password is turned off here: use your school account's button above"
WRONG = "the email or the password is wrong (after several wrong tries, wait a few minutes before trying again)"
BUSY = "too many people are signing in at this moment: wait a minute and try again"
BUSY_DETAIL = "too many sign-ins at once"


@cache
def hasher() -> PasswordHasher:
    """argon2id with the library's recommended parameters (made on first use, not at import)."""
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when nobody has the email or the account waits, so every refusal takes as long."""
    return hasher().hash("redress: nobody has this password")


_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I: read aloud or copied by hand


def new_password(length: int = 14) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def issue_password(app: Redress, email: str, actor: str) -> str:
    """A new random password for someone (their first, or a reset): shown once to the headteacher, stored hashed."""
    password = new_password()
    set_password(app, email, password, actor=actor, kind=trail.PASSWORD_RESET)
    return password


def change_password(app: Redress, person_id: int, current: str, new: str, repeated: str) -> None:
    """A person changes their own password, proving they know the current one. Ends all their sessions."""
    if new != repeated:
        raise BadInput("the two new passwords differ: type the same one twice", field="repeated")
    check_password_rules(new)
    with app.db.reading() as session:
        person = session.get(Person, person_id)
        hashed, email = (person.password_hash, person.email) if person else (None, "")
    if not _verify(hashed, current):
        raise BadInput("the current password is wrong", field="current")
    set_password(app, email, new, actor=email, kind=trail.PASSWORD_CHANGED)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"the password is {len(password)} characters long: make it at least {MIN_PASSWORD}", field="new")
    if password != password.strip():
        raise BadInput("the password starts or ends with a space: leave those out", field="new")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def set_password(app: Redress, email: str, password: str, *, actor: str | None = None, kind: str = trail.PASSWORD_SET) -> Person:
    """Store an argon2 hash of `password`, lift any lock-out, end every session of the person, and record it."""
    check_password_rules(password)
    hashed = hash_password(password)  # before the transaction: argon2 never runs under the write lock
    with app.db.unit_of_work() as session:
        person = person_by_email(session, email)
        person.password_hash, person.failed_sign_ins, person.locked_until = hashed, 0, None
        ended = revoke_all(session, person.id, app.clock.now())
        trail.record(app, session, actor or trail.command_line(), kind, person, sessions_ended=ended)
        return person


@dataclass(frozen=True)
class SignInResult:
    person_id: int | None
    detail: str
    """Why it failed, for the record ('' when it succeeded)."""
    message: str = ""
    """What to tell the person when it failed: the same whatever the reason."""
    token: str | None = None
    """The new session's token, for the cookie (when it succeeded)."""

    @property
    def succeeded(self) -> bool:
        return self.person_id is not None


def _verify(hashed: str | None, password: str) -> bool:
    """Check `password` against `hashed` (or the dummy hash) in the low-priority checking thread."""
    return _CHECKER.submit(_argon2_check, hashed, password).result()


def _argon2_check(hashed: str | None, password: str) -> bool:
    try:
        return hasher().verify(hashed or _dummy_hash(), password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


def lock_for(failures: int) -> timedelta:
    """How long an account waits after its `failures`-th failure in a row: none before MAX_FAILURES,
    then FIRST_LOCK doubling each time, never longer than LONGEST_LOCK."""
    if failures < MAX_FAILURES:
        return timedelta(0)
    doubled: timedelta = FIRST_LOCK * 2 ** min(failures - MAX_FAILURES, 16)
    return min(doubled, LONGEST_LOCK)


def clean_email(email: str) -> str:
    return "".join(c for c in email.strip().lower() if c.isprintable())[:320]


@dataclass(frozen=True)
class _Claim:
    person_id: int
    failures: int
    """The failure count with this attempt counted as one."""
    password_hash: str


def _claim(app: Redress, person_id: int, now: datetime) -> _Claim | None:
    """Count this attempt as a failure before checking it, in one atomic statement; None when the account
    waits. The attempt that reaches MAX_FAILURES also starts the wait (LONGEST_LOCK, cut to size once checked),
    so no guess arriving meanwhile is checked."""
    count = Person.failed_sign_ins + 1
    statement = (
        update(Person)
        .where(
            Person.id == person_id,
            Person.active.is_(True),
            Person.password_hash.is_not(None),
            or_(Person.locked_until.is_(None), Person.locked_until <= now),
        )
        .values(failed_sign_ins=count, locked_until=case((count >= MAX_FAILURES, now + LONGEST_LOCK), else_=None))
        .returning(Person.failed_sign_ins, Person.password_hash)
    )
    with app.db.unit_of_work() as session:
        row = session.execute(statement, execution_options={"synchronize_session": False}).first()
    return _Claim(person_id, row[0], row[1]) if row is not None and row[1] else None


def _client_throttled(app: Redress, client: Client, now: datetime) -> bool:
    if not client.address:
        return False
    with app.db.reading() as session:
        failures = session.scalar(
            select(func.count())
            .select_from(SignIn)
            .where(SignIn.client == client.address, SignIn.at > now - CLIENT_WINDOW, SignIn.succeeded.is_(False))
        )
    return int(failures or 0) >= CLIENT_LIMIT


def _check(app: Redress, email: str, password: str, client: Client, now: datetime) -> tuple[_Claim | None, bool, str]:
    """Whom the attempt is for (if it may be checked), whether the password is right, and what the record says."""
    if _client_throttled(app, client, now):
        return None, False, "too many failures from this address"
    if not _CHECKS.acquire(timeout=CHECK_WAIT.total_seconds()):
        return None, False, BUSY_DETAIL
    try:
        with app.db.reading() as session:
            person_id = session.scalar(
                select(Person.id).where(Person.email == email, Person.active.is_(True), Person.password_hash.is_not(None))
            )
        claim = _claim(app, person_id, now) if person_id is not None else None
        if claim is None:
            _verify(None, password)
            return None, False, "locked" if person_id is not None else "unknown or inactive person, or no password set"
        right = _verify(claim.password_hash, password)
    finally:
        _CHECKS.release()
    if right:
        return claim, True, ""
    return claim, False, "wrong password; locked" if claim.failures >= MAX_FAILURES else "wrong password"


def sign_in(app: Redress, email: str, password: str, client: Client | None = None) -> SignInResult:
    """Check an email and password; record the attempt either way; on success open a session (a new
    token: nothing of a session before sign-in carries over). Raises nothing for a wrong password."""
    if not app.settings.password_sign_in:
        return SignInResult(None, "password sign-in is turned off", PASSWORDS_OFF)
    email, client = clean_email(email), client or Client()
    claim, right, detail = _check(app, email, password, client, app.clock.now())
    rehashed = hash_password(password) if right and claim and hasher().check_needs_rehash(claim.password_hash) else None
    now = app.clock.now()
    token = None
    with app.db.unit_of_work() as session:
        if claim is not None and right:
            values = {"failed_sign_ins": 0, "locked_until": None} | ({"password_hash": rehashed} if rehashed else {})
            session.execute(update(Person).where(Person.id == claim.person_id).values(**values))
            token = create_session(app, session, claim.person_id, client, now)
        elif claim is not None and claim.failures >= MAX_FAILURES:
            # Cut the wait started by the claim to its size, unless a success has reset the count meanwhile.
            session.execute(
                update(Person)
                .where(Person.id == claim.person_id, Person.failed_sign_ins == claim.failures)
                .values(locked_until=now + lock_for(claim.failures))
            )
        session.add(
            SignIn(
                email=email,
                person_id=claim.person_id if claim else None,
                at=now,
                succeeded=right,
                detail=detail,
                client=(client.address or "")[:64] or None,
            )
        )
        _prune_sign_ins(app, session, now)
    if right and claim is not None:
        return SignInResult(claim.person_id, "", token=token)
    return SignInResult(None, detail, BUSY if detail == BUSY_DETAIL else WRONG)


def _prune_sign_ins(app: Redress, session: Session, now: datetime) -> None:
    """Forget attempts older than the retention period, a bounded batch at a time (each attempt adds one)."""
    cutoff = now - timedelta(days=app.settings.sign_in_retention_days)
    old = select(SignIn.id).where(SignIn.at < cutoff).order_by(SignIn.id).limit(PRUNE_BATCH)
    session.execute(delete(SignIn).where(SignIn.id.in_(old.scalar_subquery())), execution_options={"synchronize_session": False})
