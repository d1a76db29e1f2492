"""Two-factor sign-in: an authenticator app (TOTP, RFC 6238) with one-time recovery codes, and browsers
remembered for a while so the second step is not asked at every sign-in.

- The secret is made at enrolment and kept only once the person has typed a code it produced; it is kept
  sealed (AES-256-GCM, store.sealed) under the totp key, which lives outside the database (engine.totp_key).
- A code is good once: the 30-second step of the last one accepted is kept, and only a later step passes.
- Ten recovery codes are shown once; only a salted SHA-256 of each is kept (they are random, 50 bits
  each, so a slow hash adds nothing), and each is spent by one atomic UPDATE.
- Wrong codes count: after WRONG_LIMIT in WRONG_WINDOW the person waits (the record is `sign_ins`).
- Enrolment and a reset are on the school's trail; a reset ends the person's sessions and forgets
  their remembered browsers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from engine.commands import trail
from engine.commands.sessions import Client, revoke_all, token_id
from engine.context import Redress
from engine.errors import BadInput, NotAllowed, NotFound, Refused
from engine.rules.access import Power, Viewer, only
from store import Person, RecoveryCode, RememberedBrowser, SignIn, WebSession, sealed

ENROLLED = "two_factor_enrolled"
RESET = "two_factor_reset"
RECOVERY_CODES = 10
STEP = 30
WRONG_LIMIT = 5
WRONG_WINDOW = timedelta(minutes=15)
METHOD = "two-factor"
WRONG = "that code is not right: type the 6 digits your authenticator app shows now, or a recovery code"
WAIT = "too many wrong codes: wait 15 minutes, then try again"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: copied by hand from paper
NO_KEY = (
    "the totp key that seals the authenticator secrets is missing (data_dir/totp.key, or the totp_key setting): "
    "put it back, or run 'redress init' to make one"
)
NOT_SEALED = "the database is older than this Redress: run 'redress init' to upgrade it (it encrypts the authenticator secrets)"
WRONG_KEY = (
    "the authenticator secrets do not open with this totp key (data_dir/totp.key, or the totp_key setting): put back "
    "the key they were sealed with, or reset each person's two-factor sign-in so they enrol again"
)


def new_secret() -> str:
    return pyotp.random_base32()


def enrolment_uri(secret: str, email: str, school: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=f"Redress ({school})")


def _key(session: Session) -> AESGCM:
    key = sealed.key_of(session.connection())
    if key is None:
        raise Refused(NO_KEY)
    return key


def _secret_of(session: Session, person: Person) -> str:
    """The person's secret, opened (they are enrolled); Refused, in one line, when the key in force does not open it."""
    kept = person.totp_secret or ""
    if not sealed.is_sealed(kept):
        raise Refused(NOT_SEALED)
    try:
        return sealed.unseal(_key(session), kept, person.id)
    except sealed.Unsealable:
        raise Refused(WRONG_KEY) from None


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The step (now, one before or one after: clocks drift) whose code is `code`, or None."""
    totp = pyotp.TOTP(secret)
    for offset in (0, -1, 1):
        step = _step(now) + offset
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def _clean(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())[:40]


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{_clean(code)}".encode()).hexdigest()


def _new_recovery_codes(session: Session, person_id: int) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.person_id == person_id))
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    for code in codes:
        salt = secrets.token_hex(16)
        session.add(RecoveryCode(person_id=person_id, salt=salt, digest=_digest(salt, code)))
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def confirm_enrolment(app: Redress, person_id: int, secret: str, code: str) -> list[str]:
    """Keep `secret` once the person shows a code from it; returns the recovery codes (shown once)."""
    now = app.clock.now()
    step = _matching_step(secret, _clean(code), now)
    if step is None:
        raise BadInput("that code does not match: scan the QR code again and type the 6 digits it shows now")
    with app.db.unit_of_work() as session:
        person = session.get(Person, person_id)
        if person is None or not person.active:
            raise NotFound("there is no such person")
        sealed_secret = sealed.seal(_key(session), secret, person.id)
        person.totp_secret, person.totp_enrolled_at, person.totp_last_step = sealed_secret, now, step
        codes = _new_recovery_codes(session, person_id)
        trail.record(app, session, person.email, ENROLLED, person)
        return codes


def _wrong_codes(session: Session, person_id: int, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(SignIn)
            .where(
                SignIn.person_id == person_id,
                SignIn.method == METHOD,
                SignIn.succeeded.is_(False),
                SignIn.at > now - WRONG_WINDOW,
            )
        )
        or 0
    )


def _spend_totp(session: Session, person: Person, code: str, now: datetime) -> bool:
    step = _matching_step(_secret_of(session, person), code, now) if person.totp_secret and code.isdigit() else None
    if step is None:
        return False
    result = session.execute(
        update(Person)
        .where(Person.id == person.id, or_(Person.totp_last_step.is_(None), Person.totp_last_step < step))
        .values(totp_last_step=step),
        execution_options={"synchronize_session": False},
    )
    return bool(getattr(result, "rowcount", 0))


def _spend_recovery(session: Session, person_id: int, code: str, now: datetime) -> bool:
    for row in session.scalars(select(RecoveryCode).where(RecoveryCode.person_id == person_id, RecoveryCode.used_at.is_(None))):
        if hmac.compare_digest(row.digest, _digest(row.salt, code)):
            result = session.execute(
                update(RecoveryCode).where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None)).values(used_at=now),
                execution_options={"synchronize_session": False},
            )
            return bool(getattr(result, "rowcount", 0))
    return False


def second_step(app: Redress, token: str, code: str, client: Client | None = None) -> str:
    """Check the code of a signed-in session's second step and mark the session complete; returns how
    ('totp' or 'recovery'). BadInput when wrong, spent, or after too many wrong codes."""
    now, code, client = app.clock.now(), _clean(code), client or Client()
    with app.db.unit_of_work() as session:
        row = session.get(WebSession, token_id(token))
        person = session.get(Person, row.person_id) if row is not None else None
        if row is None or person is None or not person.totp_secret:
            raise BadInput("sign in again")
        if _wrong_codes(session, person.id, now) >= WRONG_LIMIT:
            raise BadInput(WAIT)
        how = (
            "totp"
            if _spend_totp(session, person, code, now)
            else "recovery"
            if _spend_recovery(session, person.id, code, now)
            else ""
        )
        if how:
            row.second_factor = how
        session.add(
            SignIn(
                email=person.email,
                person_id=person.id,
                at=now,
                succeeded=bool(how),
                method=METHOD,
                detail=f"by {how}" if how else "wrong or spent code",
                client=(client.address or "")[:64] or None,
            )
        )
    if not how:
        raise BadInput(WRONG)
    return how


def mark_session(app: Redress, token: str, how: str) -> None:
    """Record that a session's second step is met (`how`: 'totp' just after enrolment, 'remembered', 'sso-mfa')."""
    with app.db.unit_of_work() as session:
        session.execute(update(WebSession).where(WebSession.id == token_id(token)).values(second_factor=how))


def remember_browser(app: Redress, person_id: int) -> tuple[str, int]:
    """A token for a cookie that skips the second step on this browser; (token, days it lasts)."""
    days = app.settings.remember_browser_days
    token = secrets.token_urlsafe(32)
    now = app.clock.now()
    with app.db.unit_of_work() as session:
        session.execute(delete(RememberedBrowser).where(RememberedBrowser.expires_at < now))
        session.add(
            RememberedBrowser(id=token_id(token), person_id=person_id, created_at=now, expires_at=now + timedelta(days=days))
        )
    return token, days


def is_remembered(app: Redress, person_id: int, token: str | None) -> bool:
    """Whether this browser's cookie still stands for `person_id` (within `remember_browser_days` of when it was set)."""
    if not token or app.settings.remember_browser_days == 0:
        return False
    now = app.clock.now()
    with app.db.reading() as session:
        row = session.get(RememberedBrowser, token_id(token))
        return (
            row is not None
            and row.person_id == person_id
            and now < row.expires_at
            and now < row.created_at + timedelta(days=app.settings.remember_browser_days)
        )


def reset_two_factor(app: Redress, actor: Viewer, person_id: int) -> int:
    """The holder of manage_people resets someone's factor (a lost phone): their secret, recovery codes and
    remembered browsers go, their sessions end, and they enrol again at their next sign-in. Returns sessions ended."""
    if not actor.can(Power.MANAGE_PEOPLE):
        raise NotAllowed(only(app.current_workflow().spec, Power.MANAGE_PEOPLE, "reset someone's two-factor sign-in"))
    with app.db.unit_of_work() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound("there is no such person")
        person.totp_secret = person.totp_enrolled_at = person.totp_last_step = None
        session.execute(delete(RecoveryCode).where(RecoveryCode.person_id == person_id))
        session.execute(delete(RememberedBrowser).where(RememberedBrowser.person_id == person_id))
        ended = revoke_all(session, person_id, app.clock.now())
        trail.record(app, session, actor.email, RESET, person, sessions_ended=ended)
        return ended
