"""Password rules and the sign-in check, with no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

import engine.commands.auth as auth
from engine.errors import BadInput

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "hasher", lambda: CHEAP)
    monkeypatch.setattr(auth, "_dummy_hash", lambda: CHEAP.hash("nobody"))


@pytest.mark.parametrize("password", ["short", " leading space ok?", "trailing space "])
def test_weak_or_padded_passwords_are_refused(password: str) -> None:
    with pytest.raises(BadInput):
        auth.check_password_rules(password)


def test_a_hash_is_argon2id_and_never_the_password() -> None:
    hashed = auth.hash_password("a good long password")
    assert hashed.startswith("$argon2id$") and "a good long password" not in hashed


def test_the_wait_starts_at_the_fifth_failure_doubles_and_stops_at_five_minutes() -> None:
    waits = [auth.lock_for(n) for n in range(1, 11)]
    minute = timedelta(minutes=1)
    assert waits == [timedelta(0)] * 4 + [minute, 2 * minute, 4 * minute, 5 * minute, 5 * minute, 5 * minute]
    assert auth.lock_for(10_000) == auth.LONGEST_LOCK
