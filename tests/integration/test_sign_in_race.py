"""The lock-out holds when guesses arrive together: each attempt claims its check atomically, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

import engine.commands.auth as auth
from engine.context import Redress
from store import Person, SignIn
from tests.conftest import HEAD

PASSWORD = "correct horse battery staple"
GUESSES = 16
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "hasher", lambda: CHEAP)
    monkeypatch.setattr(auth, "_dummy_hash", lambda: CHEAP.hash("nobody"))
    # The gate on argon2 checks is per process: several server processes (or machines) guess at once,
    # so the claim itself must be atomic. Open the gate wide here to race the claims, not the gate.
    monkeypatch.setattr(auth, "_CHECKS", threading.BoundedSemaphore(GUESSES))


def test_sixteen_parallel_guesses_get_exactly_five_checks_then_the_account_waits(app: Redress) -> None:
    auth.set_password(app, HEAD, PASSWORD)
    barrier = threading.Barrier(GUESSES)

    def guess(i: int) -> auth.SignInResult:
        barrier.wait()
        return auth.sign_in(app, HEAD, f"wrong guess number {i}")

    with ThreadPoolExecutor(GUESSES) as pool:
        results = list(pool.map(guess, range(GUESSES)))
    assert not any(r.succeeded for r in results)
    assert {r.message for r in results} == {auth.WRONG}
    details = Counter(r.detail for r in results)
    assert details["wrong password"] + details["wrong password; locked"] == auth.MAX_FAILURES
    assert details["wrong password; locked"] == 1 and details["locked"] == GUESSES - auth.MAX_FAILURES
    right = auth.sign_in(app, HEAD, PASSWORD)
    assert not right.succeeded and right.detail == "locked"
    with app.db.reading() as session:
        person = session.scalars(select(Person).where(Person.email == HEAD)).one()
        assert person.failed_sign_ins == auth.MAX_FAILURES
        assert person.locked_until == app.clock.now() + auth.FIRST_LOCK
        assert len(list(session.scalars(select(SignIn)))) == GUESSES + 1
    app.clock.advance(auth.FIRST_LOCK)  # type: ignore[attr-defined]
    assert auth.sign_in(app, HEAD, PASSWORD).succeeded


def test_a_check_that_cannot_start_in_time_is_refused_as_busy_and_not_counted(
    app: Redress, monkeypatch: pytest.MonkeyPatch
) -> None:
    """During a flood every argon2 check waits at the gate: an attempt that waits too long is told the school's
    sign-in is busy, and it is not counted against the account (a stranger's flood locks nobody out)."""
    auth.set_password(app, HEAD, PASSWORD)
    gate = threading.BoundedSemaphore(1)
    monkeypatch.setattr(auth, "_CHECKS", gate)
    monkeypatch.setattr(auth, "CHECK_WAIT", timedelta(milliseconds=50))
    gate.acquire()  # a check is running (the flood's)
    try:
        busy = auth.sign_in(app, HEAD, PASSWORD)
    finally:
        gate.release()
    assert not busy.succeeded and busy.message == auth.BUSY and busy.detail == auth.BUSY_DETAIL
    with app.db.reading() as session:
        assert session.scalars(select(Person.failed_sign_ins).where(Person.email == HEAD)).one() == 0
    assert auth.sign_in(app, HEAD, PASSWORD).succeeded  # the gate free again: the right password signs in
