"""A letter recorded as sent has one command (`engine.commands.letters.send_letter`) under one power
(`write_letters`): the case page, the API and `redress case letter --send-by` give each person the same answer,
and a refusal records nothing.

The case is opened by the coordinator, who therefore sees it in full and keeps its record, but does not hold
the letters power: the refusal is the power's, not the sight's. Expectations are written out by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.commands import cases
from engine.context import Redress
from redress.cli import main
from store import AuditEvent, Evidence
from tests.conftest import COORDINATOR, HEAD, SAM

REFUSAL = "only the Headteacher may write to the poster"
PEOPLE = {"headteacher": HEAD, "coordinator": COORDINATOR, "staff concerned": SAM}
MAY_WRITE = {"headteacher": True, "coordinator": False, "staff concerned": False}
TEXT = "Dear Pat Poster,\n\nPlease remove the posts.\n\nYours sincerely,\nHelen Head"


def _by_cli(app: Redress, case_id: int, email: str, browser: Any, monkeypatch: Any, capsys: Any) -> tuple[bool, str]:
    @contextmanager
    def this_app() -> Iterator[Redress]:
        yield app

    monkeypatch.setattr("redress.cli.outbox_cmd.app_context", this_app)
    try:
        main(["case", "letter", str(case_id), "removal_request", "--as", email, "--send-by", "post"])
    except SystemExit as exc:
        assert exc.code == 1
        return False, capsys.readouterr().err
    return True, capsys.readouterr().out


def _by_page(app: Redress, case_id: int, email: str, browser: Any, monkeypatch: Any, capsys: Any) -> tuple[bool, str]:
    person = browser(email)
    shown = person.get(f"/cases/{case_id}/letters/removal_request")
    response = person.post(f"/cases/{case_id}/letters/removal_request", {"text": TEXT, "method": "post", "sent_on": "2026-11-23"})
    if response.status_code == 303:
        assert shown.status_code == 200
        return True, person.get(response.headers["location"]).text
    assert response.status_code == 403 and shown.status_code == 403
    return False, response.text


def _by_api(app: Redress, case_id: int, email: str, browser: Any, monkeypatch: Any, capsys: Any) -> tuple[bool, str]:
    person = browser(email)
    drafted = person.api("GET", f"/api/cases/{case_id}/letters/removal_request")
    response = person.api("POST", f"/api/cases/{case_id}/letters/removal_request", {"text": TEXT, "method": "post"})
    if response.status_code == 201:
        assert drafted.status_code == 200 and "Dear Pat Poster," in drafted.json()["text"]
        return True, f"evidence {response.json()['id']} {response.json()['sha256']}"
    assert response.status_code == 403 and drafted.status_code == 403
    return False, str(response.json()["detail"])


DOORS: dict[str, Callable[..., tuple[bool, str]]] = {"cli": _by_cli, "page": _by_page, "api": _by_api}


def _case(app: Redress) -> int:
    details = cases.OpenCase(
        categories=["staff_offensive"], summary="A post about Mr Staff", staff=[SAM], posters=[("Pat Poster", "pat@home.example")]
    )
    return cases.open_case(app, COORDINATOR, details)


def _letters(app: Redress, case_id: int) -> tuple[int, int]:
    with app.db.reading() as session:
        events = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.kind == "letter")
        )
        kept = session.scalar(select(func.count()).select_from(Evidence).where(Evidence.case_id == case_id))
    return int(events or 0), int(kept or 0)


@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("door", DOORS)
def test_every_door_gives_each_person_the_same_answer_to_recording_a_letter(
    app: Redress, browser: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any, door: str, role: str
) -> None:
    case_id = _case(app)
    sent, said = DOORS[door](app, case_id, PEOPLE[role], browser, monkeypatch, capsys)
    assert sent is MAY_WRITE[role]
    if sent:
        assert _letters(app, case_id) == (1, 1)
        expected = {
            "cli": "letter recorded: Request to remove the posts, sent by post on 2026-11-23",
            "page": "Letter sent by post: request to remove the posts",
            "api": "evidence 1 ",
        }
        assert expected[door] in said
    else:
        assert _letters(app, case_id) == (0, 0)
        if role == "coordinator" or door == "cli":  # the staff member's page and API refuse the case itself first
            assert REFUSAL in said


def test_the_case_page_offers_letters_only_to_the_writer_and_the_page_shows_the_sent_letter(app: Redress, browser: Any) -> None:
    case_id = _case(app)
    assert 'id="letters"' not in browser(COORDINATOR).get(f"/cases/{case_id}").text
    head = browser(HEAD)
    page = head.get(f"/cases/{case_id}").text
    assert f'href="/cases/{case_id}/letters/legal_warning"' in page and "Warning of possible legal action" in page
    assert 'Notice of a ban from the school site: <span class="meta">not yet' in page  # no meeting tried yet
    assert head.get(f"/cases/{case_id}/letters/site_ban").text.count("cannot be written yet") == 1
    assert head.get(f"/cases/{case_id}/letters/nonsense").status_code == 404

    done = head.post(f"/cases/{case_id}/letters/legal_warning", {"text": TEXT, "method": "hand", "sent_on": "2026-11-20"})
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case_id}#chronology"
    page = head.get(f"/cases/{case_id}").text
    assert "Letter sent by hand: warning of possible legal action" in page
    assert "letter-legal-warning-2026-11-20.txt" in page  # the kept copy, among the evidence


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"text": TEXT, "method": "pigeon", "sent_on": ""}, "letter-method-post", "say how the letter was sent"),
        ({"text": " \r\n ", "method": "post", "sent_on": ""}, "letter-text", "the letter is empty"),
        ({"text": "x" * 10_001, "method": "post", "sent_on": ""}, "letter-text", "keep it under 10000"),
        ({"text": TEXT, "method": "post", "sent_on": "2026-12-25"}, "letter-sent-on", "is in the future"),
    ],
)
def test_a_refused_letter_comes_back_once_with_its_field_named(
    app: Redress, browser: Any, form: dict[str, str], field: str, message: str
) -> None:
    case_id = _case(app)
    head = browser(HEAD)
    head.get(f"/cases/{case_id}/letters/legal_warning")
    refused = head.post(f"/cases/{case_id}/letters/legal_warning", form)
    assert refused.status_code == 303 and refused.headers["location"] == f"/cases/{case_id}/letters/legal_warning"
    page = head.get(refused.headers["location"]).text
    assert 'class="error-summary"' in page and f'href="#{field}"' in page and f'id="{field}-error"' in page
    assert message in page and page.count(message) == 2  # in the summary and by its field
    assert "<title>Error:" in page
    if form["method"] == "pigeon":
        assert "Please remove the posts." in page  # what was typed is kept, not the draft again
    assert 'class="error-summary"' not in head.get(refused.headers["location"]).text  # once: a reload is clean
    assert _letters(app, case_id) == (0, 0)
