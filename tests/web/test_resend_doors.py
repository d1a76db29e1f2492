"""Sending failed email again has one door (`engine.commands.outbox.resend`) under one rule
(`may_resend_email`): the command line, the outbox page and the API give each person the same answer.

The expectations are written out by hand, not computed from the rules, so a change shows here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select, update

from engine.commands import cases
from engine.context import Redress
from redress.cli import main
from store import AuditEvent, OutboxMessage
from tests.conftest import CHAIR, COORDINATOR, EQUALITIES, HEAD, SAM

REFUSAL = "only the Headteacher or the e-Safety coordinator may resend email"
PEOPLE = {"headteacher": HEAD, "coordinator": COORDINATOR, "chair": CHAIR, "equalities manager": EQUALITIES, "staff": SAM}
MAY_RESEND = {"headteacher": True, "coordinator": True, "chair": False, "equalities manager": False, "staff": False}


def _by_cli(app: Redress, email: str, browser: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> tuple[bool, str]:
    @contextmanager
    def this_app() -> Iterator[Redress]:
        yield app

    monkeypatch.setattr("redress.cli.outbox_cmd.app_context", this_app)
    try:
        main(["outbox", "retry", "--all-failed", "--as", email])
    except SystemExit as exc:
        assert exc.code == 1
        return False, capsys.readouterr().err
    return True, capsys.readouterr().out


def _by_page(app: Redress, email: str, browser: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> tuple[bool, str]:
    person = browser(email)
    person.get("/")  # a page, for the form's CSRF token
    response = person.post("/outbox/retry")
    if response.status_code == 303:
        return True, person.get("/outbox").text
    assert response.status_code == 403
    return False, response.text


def _by_api(app: Redress, email: str, browser: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> tuple[bool, str]:
    response = browser(email).api("POST", "/api/outbox/retry")
    if response.status_code == 200:
        return True, f"{response.json()['requeued']} message(s)"
    assert response.status_code == 403
    return False, str(response.json()["detail"])


DOORS: dict[str, Callable[..., tuple[bool, str]]] = {"cli": _by_cli, "page": _by_page, "api": _by_api}


def _one_failed_message(app: Redress) -> None:
    details = cases.OpenCase(categories=["staff_offensive"], summary="A post about Mr Staff", staff=[SAM])
    cases.open_case(app, HEAD, details)
    with app.db.unit_of_work() as session:
        first = session.scalar(select(func.min(OutboxMessage.id)))
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == first)
            .values(status="failed", last_error="550 mailbox unavailable", attempts=3)
        )


def _failed_and_requeued_by(app: Redress) -> tuple[int, list[str]]:
    with app.db.reading() as session:
        failed = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "failed"))
        actors = list(session.scalars(select(AuditEvent.actor).where(AuditEvent.kind == "email_requeued")))
    return int(failed or 0), actors


@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("door", DOORS)
def test_every_door_gives_each_person_the_same_answer_to_resending_email(
    app: Redress,
    browser: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    door: str,
    role: str,
) -> None:
    _one_failed_message(app)
    email = PEOPLE[role]
    resent, said = DOORS[door](app, email, browser, monkeypatch, capsys)
    assert resent is MAY_RESEND[role]
    if resent:
        assert "1 message(s)" in said
        assert _failed_and_requeued_by(app) == (0, [email])
    else:
        assert REFUSAL in said
        assert _failed_and_requeued_by(app) == (1, [])
