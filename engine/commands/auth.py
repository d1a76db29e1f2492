"""Passwords and sign-in: argon2 hashes, a lock-out after repeated failures, every attempt recorded.

`sign_in` commits what it learned (the failure count, the lock, the SignIn row) before it
answers, so a refused attempt is on record even though it is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from engine.commands.people import person_by_email
from engine.context import Redress
from engine.errors import BadInput
from store import Person, SignIn

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
MIN_PASSWORD = 10
WRONG = "the email or the password is wrong"



@cache
def hasher() -> PasswordHasher:
    """argon2id with the library's recommended parameters (made on first use, not at import)."""
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when nobody has the email, so a wrong email takes as long as a wrong password."""
    return hasher().hash("redress: nobody has this password")


_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I: read aloud or copied by hand


def new_password(length: int = 14) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def issue_password(app: Redress, email: str) -> str:
    """A new random password for someone (their first, or a reset): shown once to the headteacher, stored hashed."""
    password = new_password()
    set_password(app, email, password)
    return password


def change_password(app: Redress, person_id: int, current: str, new: str, repeated: str) -> None:
    """A person changes their own password, proving they know the current one."""
    if new != repeated:
        raise BadInput("the two new passwords differ: type the same one twice")
    check_password_rules(new)
    with app.db.reading() as session:
        person = session.get(Person, person_id)
        if person is None or not _verify(person.password_hash, current):
            raise BadInput("the current password is wrong")
        email = person.email
    set_password(app, email, new)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"the password is {len(password)} characters long: make it at least {MIN_PASSWORD}")
    if password != password.strip():
        raise BadInput("the password starts or ends with a space: leave those out")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def set_password(app: Redress, email: str, password: str) -> Person:
    """Store an argon2 hash of `password` for this person, and lift any lock-out."""
    check_password_rules(password)
    hashed = hash_password(password)
    with app.db.unit_of_work() as session:
        person = person_by_email(session, email)
        person.password_hash, person.failed_sign_ins, person.locked_until = hashed, 0, None
        return person


@dataclass(frozen=True)
class SignInResult:
    person_id: int | None
    detail: str
    """Why it failed, for the record ('' when it succeeded)."""
    message: str = ""
    """What to tell the person when it failed."""

    @property
    def succeeded(self) -> bool:
        return self.person_id is not None


def _verify(hashed: str | None, password: str) -> bool:
    try:
        return hasher().verify(hashed or _dummy_hash(), password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


def _attempt(person: Person | None, password: str, now: datetime) -> SignInResult:
    """Check one attempt against the person's row, updating its failure count and lock."""
    if person is None or not person.active or person.password_hash is None:
        _verify(None, password)
        return SignInResult(None, "unknown or inactive person, or no password set", WRONG)
    if person.locked_until is not None and person.locked_until > now:
        return SignInResult(None, "locked", _locked_message(person.locked_until))
    if not _verify(person.password_hash, password):
        person.failed_sign_ins += 1
        if person.failed_sign_ins >= MAX_FAILURES:
            person.failed_sign_ins, person.locked_until = 0, now + LOCK_FOR
            return SignInResult(None, "wrong password; locked", _locked_message(person.locked_until))
        return SignInResult(None, "wrong password", WRONG)
    person.failed_sign_ins, person.locked_until = 0, None
    if hasher().check_needs_rehash(person.password_hash):
        person.password_hash = hash_password(password)
    return SignInResult(person.id, "")


def _locked_message(until: datetime) -> str:
    minutes = int(LOCK_FOR.total_seconds() // 60)
    return f"too many failed sign-ins: this account is locked for {minutes} minutes; try again later"


def sign_in(app: Redress, email: str, password: str) -> SignInResult:
    """Check an email and password; record the attempt either way. Raises nothing for a wrong password."""
    email = "".join(c for c in email.strip().lower() if c.isprintable())[:320]
    now = app.clock.now()
    with app.db.unit_of_work() as session:
        person = session.scalars(select(Person).where(Person.email == email)).first()
        result = _attempt(person, password, now)
        session.add(SignIn(email=email, person_id=person.id if person else None, at=now,
                           succeeded=result.succeeded, detail=result.detail))
    return result

