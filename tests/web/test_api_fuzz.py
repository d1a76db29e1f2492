"""The JSON API fuzzed from its own OpenAPI document (schemathesis): signed in as the headteacher, who
may call everything, no input gives a server error, and every answer matches the published schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.config._checks import PositiveDataAcceptanceConfig
from sqlalchemy import func, select

from engine.commands.people import add_person
from engine.commands.two_factor import confirm_enrolment
from store import Note, Person
from tests.conftest import HEAD, SCHOOL, make_app
from tests.web import school
from tests.web.conftest import PASSWORD, SECRET, TOTP_SECRETS, Browser, totp_code

EXAMPLES = int(os.environ.get("REDRESS_FUZZ_EXAMPLES", "40"))
checks.load_all_checks()
CHECKS = checks.CHECKS.get_all()
"""Every check schemathesis has: server errors, the documented statuses, content types, headers and schemas,
negative data refused, positive data accepted, methods, authentication and the rest."""


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One SQLite school, with cases, for the whole module: the fuzzer adds to it as it goes."""
    from fastapi.testclient import TestClient

    import engine.commands.auth
    from web import create_app

    folder: Path = tmp_path_factory.mktemp("fuzz")
    app = make_app(f"sqlite:///{folder / 'redress.db'}", folder)
    for name, email, roles in SCHOOL:
        add_person(app, name, email, roles)
    engine.commands.auth.set_password(app, HEAD, PASSWORD)
    with app.db.reading() as session:  # the headteacher is asked for a second step: their authenticator
        head_id = session.scalars(select(Person.id).where(Person.email == HEAD)).one()
    confirm_enrolment(app, head_id, TOTP_SECRETS[HEAD], totp_code(app, HEAD))
    school.build(app)
    web = create_app(app, secret=SECRET)
    with TestClient(web, follow_redirects=False) as client:
        head = Browser(client, app)
        assert head.sign_in(HEAD).status_code == 303
        yield {"app": app, "web": web, "cookies": dict(client.cookies), "csrf": head.csrf}
    app.close()


@pytest.fixture(scope="module")
def api_schema(fuzzed: dict[str, Any]) -> Any:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", fuzzed["web"])
    # A well-formed request the engine's rules refuse is a 422 with one message (every operation documents it):
    # a category or role the workflow lacks, a day that has not happened yet, an action not open at this stage.
    # The schema cannot say those (they depend on the school's data and today's date), so they count as accepted.
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=["2xx", "3xx", "401", "403", "404", "409", "422"]
    )
    return schema


def test_the_api_answers_every_input_within_its_schema(api_schema: Any, fuzzed: dict[str, Any]) -> None:
    """Every operation in turn (schemathesis' pytest plugin does not load fixtures under pytest 9, so the
    operations are walked here), each with a bounded number of generated requests."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
        def call(case: Any) -> None:
            case.call_and_validate(headers={"X-CSRF-Token": fuzzed["csrf"]}, cookies=fuzzed["cookies"], checks=CHECKS)

        call()
    with fuzzed["app"].db.reading() as session:  # signed in for real: the valid requests did their work
        assert (session.scalar(select(func.count()).select_from(Note)) or 0) > 0
