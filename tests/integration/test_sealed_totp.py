"""Authenticator (TOTP) secrets sealed at rest, on a real SQLite file and a real PostgreSQL server: the database
holds no secret, a code still signs in, a database read with another key (or none) opens none and says so in one
line, and migration 0016 seals an old plaintext row and its downgrade gives it back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from alembic import command
from sqlalchemy import inspect, select, update

from engine.commands.sessions import Client, open_session
from engine.commands.two_factor import NO_KEY, WRONG_KEY, confirm_enrolment, second_step
from engine.context import Redress
from engine.errors import BadInput, Refused
from store import Person, migrate, sealed
from tests.conftest import HEAD, SAM, make_app

SECRET = pyotp.random_base32()


def person_id(app: Redress, email: str) -> int:
    with app.db.reading() as session:
        return int(session.scalar(select(Person.id).where(Person.email == email)) or 0)


def stored(app: Redress, person: int) -> str | None:
    with app.db.engine.connect() as connection:
        return connection.execute(select(Person.totp_secret).where(Person.id == person)).scalar_one()


def enrol(app: Redress, email: str, secret: str = SECRET) -> int:
    person = person_id(app, email)
    confirm_enrolment(app, person, secret, pyotp.TOTP(secret).at(app.clock.now()))
    return person


def sign_in_with_code(app: Redress, person: int, secret: str = SECRET) -> str:
    """A session owing its second step, given the code of the next 30-second step (a code is good once)."""
    token = open_session(app, person, Client())
    app.clock.set(app.clock.now() + timedelta(seconds=30))  # type: ignore[attr-defined]
    return second_step(app, token, pyotp.TOTP(secret).at(app.clock.now()))


def a_wrong_code(app: Redress, secret: str = SECRET) -> str:
    now, totp = app.clock.now(), pyotp.TOTP(secret)
    good = {totp.at(now + timedelta(seconds=30 * offset)) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in good)


def test_the_database_holds_no_secret_and_a_code_still_signs_in(app):
    head = enrol(app, HEAD)
    kept = stored(app, head)
    assert kept is not None and kept.startswith(sealed.PREFIX)
    assert SECRET not in kept and SECRET.lower() not in kept.lower()
    assert sign_in_with_code(app, head) == "totp"
    with pytest.raises(BadInput, match="not right"):
        second_step(app, open_session(app, head, Client()), a_wrong_code(app))


def test_a_sealed_secret_copied_onto_another_persons_row_opens_nothing(app):
    head, sam = enrol(app, HEAD), person_id(app, SAM)
    heads = stored(app, head)
    with app.db.engine.begin() as connection:  # someone with write access to the database alone
        connection.execute(update(Person).where(Person.id == sam).values(totp_secret=heads))
    token = open_session(app, sam, Client())
    with pytest.raises(Refused) as refused:
        second_step(app, token, pyotp.TOTP(SECRET).at(app.clock.now()))
    assert str(refused.value) == WRONG_KEY


def a_copy_of(app: Redress, tmp_path: Path, name: str, totp_key: str | None = None) -> Redress:
    """The same database, opened by a Redress whose data folder holds none of the original's keys."""
    from pydantic import SecretStr

    from engine.context import open_app
    from engine.rules.clock import FixedClock

    settings = app.settings.model_copy(
        update={"data_dir": tmp_path / name, "totp_key": SecretStr(totp_key) if totp_key else None}
    )
    return open_app(settings, clock=FixedClock(app.clock.now()))


def test_a_database_read_without_its_key_reveals_no_secret_and_says_so_in_one_line(app, tmp_path):
    head = enrol(app, HEAD)
    keyless = a_copy_of(app, tmp_path, "keyless")
    other = a_copy_of(app, tmp_path, "other", totp_key="another key entirely, long enough to be used")
    try:
        for copy, message in ((keyless, NO_KEY), (other, WRONG_KEY)):
            token = open_session(copy, head, Client())
            with pytest.raises(Refused) as refused:
                second_step(copy, token, pyotp.TOTP(SECRET).at(copy.clock.now()))
            assert str(refused.value) == message and "\n" not in message
            assert "totp.key" in message and SECRET not in message
    finally:
        keyless.close()
        other.close()
    key = (app.data_dir / "totp.key").read_text()
    assert key not in NO_KEY + WRONG_KEY


def test_the_key_in_the_settings_seals_instead_of_a_file(database_url, tmp_path):
    app = make_app(database_url, tmp_path, totp_key="a deployment's own secret store, long enough")
    try:
        from engine.commands.people import add_person

        add_person(app, "Helen Head", HEAD, ["headteacher"])
        head = enrol(app, HEAD)
        assert not (app.data_dir / "totp.key").exists()
        assert stored(app, head) != SECRET and sign_in_with_code(app, head) == "totp"
    finally:
        app.close()


def column_length(app: Redress) -> int | None:
    with app.db.engine.connect() as connection:
        [column] = [c for c in inspect(connection).get_columns("people") if c["name"] == "totp_secret"]
        return getattr(column["type"], "length", None)


def test_migration_0016_seals_an_old_plaintext_secret_and_its_downgrade_gives_it_back(app):
    head = enrol(app, HEAD)
    config = migrate.alembic_config(app.db.engine)

    command.downgrade(config, "0015")
    assert stored(app, head) == SECRET and column_length(app) == 64  # as Redress kept it before 0016

    command.upgrade(config, "head")
    kept = stored(app, head)
    assert kept is not None and kept != SECRET and kept.startswith(sealed.PREFIX) and column_length(app) == 255
    with app.db.engine.connect() as connection:
        key = sealed.key_of(connection)
    assert key is not None and sealed.unseal(key, kept, head) == SECRET
    assert sign_in_with_code(app, head) == "totp"


def test_migration_0016_without_the_key_refuses_and_leaves_the_plaintext_as_it_was(app, tmp_path):
    head = enrol(app, HEAD)
    command.downgrade(migrate.alembic_config(app.db.engine), "0015")
    keyless = a_copy_of(app, tmp_path, "keyless")
    try:
        with pytest.raises(RuntimeError, match="needs the totp key"):
            migrate.upgrade(keyless.db.engine)
    finally:
        keyless.close()
    assert stored(app, head) == SECRET and not migrate.is_current(app.db.engine)
    migrate.upgrade(app.db.engine)  # with the key: `redress init`
    assert stored(app, head) != SECRET


def test_init_makes_the_totp_key_private_and_config_masks_a_set_one(app):
    path = app.data_dir / "totp.key"
    assert path.is_file() and path.stat().st_mode & 0o777 == 0o600
    from engine.settings import Settings, shown_value

    assert shown_value(Settings(totp_key="k" * 40), "totp_key") == "***"  # type: ignore[arg-type]
