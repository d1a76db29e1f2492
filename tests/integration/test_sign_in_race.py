"""The lock-out holds when guesses arrive together: each attempt claims its check atomically, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

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
