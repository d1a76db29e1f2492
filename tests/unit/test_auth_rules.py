"""Password rules and the sign-in check, with no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

import engine.commands.auth as auth
from engine.errors import BadInput
from store import Person

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "hasher", lambda: CHEAP)
    monkeypatch.setattr(auth, "_dummy_hash", lambda: CHEAP.hash("nobody"))


def person(password: str = "a good long password") -> Person:
    return Person(id=1, name="P", email="p@school.example", roles=[], active=True, password_hash=auth.hash_password(password),
                  failed_sign_ins=0, locked_until=None, created_at=NOW)


@pytest.mark.parametrize("password", ["short", " leading space ok?", "trailing space "])
def test_weak_or_padded_passwords_are_refused(password: str) -> None:
    with pytest.raises(BadInput):
        auth.check_password_rules(password)


def test_a_hash_is_argon2id_and_never_the_password() -> None:
    hashed = auth.hash_password("a good long password")
    assert hashed.startswith("$argon2id$") and "a good long password" not in hashed


def test_the_fifth_failure_locks_and_the_lock_ends_after_fifteen_minutes() -> None:
    someone = person()
    for _ in range(4):
        assert auth._attempt(someone, "wrong", NOW).detail == "wrong password"
    assert auth._attempt(someone, "wrong", NOW).detail == "wrong password; locked"
    assert someone.locked_until == NOW + timedelta(minutes=15)
    assert auth._attempt(someone, "a good long password", NOW + timedelta(minutes=14)).detail == "locked"
    assert auth._attempt(someone, "a good long password", NOW + timedelta(minutes=15, seconds=1)).succeeded


def test_nobody_and_the_inactive_get_the_same_answer_as_a_wrong_password() -> None:
    inactive = person()
    inactive.active = False
    assert auth._attempt(None, "x", NOW).message == auth._attempt(inactive, "a good long password", NOW).message == auth.WRONG
