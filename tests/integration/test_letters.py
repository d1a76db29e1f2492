"""Letters from the case, on a real SQLite file and a real PostgreSQL server: drafted from what the case holds,
recorded as sent with the text kept as an evidence file under its SHA-256, an audit event, a chronology entry,
and a chain that still verifies (`verify` replays the letter's evidence row from its event)."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import select, update

from engine.commands import corrections, integrity, letters
from engine.commands.records import evidence_path
from engine.errors import BadInput, NotFound, Refused
from engine.queries import cases as queries
from store import Evidence
from tests.conftest import CHAIR, COORDINATOR, HEAD
from tests.integration.helpers import act, count, open_case, to_meeting_stage

ADDRESS = "12 Elm Road\nOakfield\nOK1 2AB"


def _case_with_poster(app) -> int:
    case_id = open_case(app)
    corrections.add_party(app, case_id, HEAD, "poster", "named by the parents' group", name="Pat Poster", address=ADDRESS)
    return case_id


def test_a_letter_recorded_as_sent_is_evidence_with_its_sha256_an_event_and_a_chronology_entry(app):
    case_id = _case_with_poster(app)
    draft = letters.draft_letter(app, case_id, "legal_warning", HEAD)
    assert (draft.to, draft.address, draft.title) == ("Pat Poster", ADDRESS, "Warning of possible legal action")
    assert "Dear Pat Poster," in draft.text and "12 Elm Road\nOakfield\nOK1 2AB" in draft.text
    edited = draft.text.replace("I would much prefer", "The school would much prefer")

    sent = letters.send_letter(app, case_id, "legal_warning", HEAD, edited, "post", date(2026, 11, 20))

    stored = evidence_path(app.data_dir, sent.sha256).read_bytes()
    assert stored.decode("utf-8") == edited.strip() + "\n"
    assert hashlib.sha256(stored).hexdigest() == sent.sha256
    with app.db.reading() as session:
        row = session.get(Evidence, sent.evidence_id)
        assert row is not None and (row.sha256, row.media_type, row.case_id) == (sent.sha256, "text/plain", case_id)
        assert row.original_name == "letter-legal-warning-2026-11-20.txt"
    event = queries.audit_trail(app, case_id).events[-1]
    assert (event.kind, event.actor) == ("letter", HEAD)
    assert event.data["evidence"] == sent.evidence_id and event.data["sha256"] == sent.sha256
    assert (event.data["method"], event.data["sent_on"], event.data["to"]) == ("post", "2026-11-20", "Pat Poster")
    entry = queries.audit_trail(app, case_id).chronology[-1]
    assert entry.headline == "Letter sent by post: warning of possible legal action"
    assert ("Sent", "Fri 20 Nov 2026 by post") in entry.details
    assert ("Copy kept", f"evidence #{sent.evidence_id}, SHA-256 {sent.sha256}") in entry.details
    assert queries.verify_trail(app, case_id).ok
    assert integrity.verify(app, case_id=case_id).ok


def test_verify_names_a_letter_whose_kept_copy_was_edited_behind_the_trail(app):
    case_id = _case_with_poster(app)
    sent = letters.send_letter(app, case_id, "removal_request", HEAD, "Please remove the posts.", "hand")
    with app.db.unit_of_work() as session:
        session.execute(update(Evidence).where(Evidence.id == sent.evidence_id).values(description="something else"))

    result = integrity.verify(app, case_id=case_id)

    assert not result.ok
    assert any(f"evidence {sent.evidence_id} was edited after it was recorded (description" in p for p in result.problems)


def test_the_invitation_names_the_meeting_already_arranged(app):
    case_id = _case_with_poster(app)
    to_meeting_stage(app, case_id)  # arranged for 2026-11-30

    draft = letters.draft_letter(app, case_id, "meeting_invitation", HEAD)

    assert draft.meeting == "Monday 30 November 2026 at the school office"
    assert "meet me on Monday 30 November 2026 at the school office" in draft.text
    given = letters.draft_letter(app, case_id, "meeting_invitation", HEAD, meeting_date="Thursday 3 December at 3.30pm")
    assert "Thursday 3 December at 3.30pm" in given.text


def test_a_site_ban_comes_only_after_a_meeting_was_tried(app):
    case_id = _case_with_poster(app)
    options = {o.kind: o.blocked for o in letters.letter_options(app, case_id, HEAD)}
    assert options["site_ban"] is not None and options["legal_warning"] is None
    events = count_events(app, case_id)
    with pytest.raises(Refused, match="after a meeting with the poster was tried"):
        letters.send_letter(app, case_id, "site_ban", HEAD, "You may not come onto the site.", "post")
    assert count_events(app, case_id) == events and count(app, Evidence, case_id=case_id) == 0

    to_meeting_stage(app, case_id)
    draft = letters.draft_letter(app, case_id, "site_ban", HEAD)
    assert "arranged for Monday 30 November 2026" in draft.text and "section 547 of the Education Act 1996" in draft.text
    assert letters.send_letter(app, case_id, "site_ban", HEAD, draft.text, "by hand").method == "hand"


def test_the_harassment_warning_and_the_takedown_request_say_what_they_must(app):
    case_id = _case_with_poster(app)
    warning = letters.draft_letter(app, case_id, "harassment_warning", HEAD).text
    assert "Protection from Harassment Act 1997" in warning and "two or more occasions" in warning
    takedown = letters.draft_letter(app, case_id, "platform_takedown", HEAD)
    assert takedown.to == "Facebook" and "Dear Sir or Madam," in takedown.text
    assert "https://facebook.example/groups/parents/1" in takedown.text and "Pat Poster" not in takedown.text
    sent = letters.send_letter(app, case_id, "platform_takedown", HEAD, takedown.text, "email")
    assert queries.audit_trail(app, case_id).chronology[-1].headline == "Letter sent by email: takedown request to the platform"
    assert sent.title == "Takedown request to the platform"


def count_events(app, case_id: int) -> int:
    return len(queries.audit_trail(app, case_id).events)


@pytest.mark.parametrize(
    ("text", "method", "sent_on", "refusal"),
    [
        ("A letter", "pigeon", None, "say how the letter was sent: by post, by email or by hand"),
        ("   \n ", "post", None, "the letter is empty"),
        ("x" * 10_001, "post", None, "characters long: keep it to 10000"),
        ("A letter", "post", date(2026, 12, 25), "is in the future"),
    ],
)
def test_a_bad_letter_is_refused_in_words_and_stores_nothing(app, text, method, sent_on, refusal):
    case_id = _case_with_poster(app)
    events = count_events(app, case_id)
    with pytest.raises(BadInput) as raised:
        letters.send_letter(app, case_id, "legal_warning", HEAD, text, method, sent_on)
    assert refusal in str(raised.value)
    assert count_events(app, case_id) == events
    assert not (app.data_dir / "evidence").exists() or not any((app.data_dir / "evidence").glob("??/*"))


@pytest.mark.parametrize("who", [CHAIR, COORDINATOR])
def test_only_the_holders_of_the_letters_power_draft_or_record_a_letter(app, who):
    case_id = _case_with_poster(app)
    with pytest.raises(Refused, match="only the Headteacher may write to the poster"):
        letters.draft_letter(app, case_id, "legal_warning", who)
    with pytest.raises(Refused, match="only the Headteacher may write to the poster"):
        letters.send_letter(app, case_id, "legal_warning", who, "A letter", "post")
    with app.db.reading() as session:
        assert session.scalars(select(Evidence).where(Evidence.case_id == case_id)).first() is None


def test_a_closed_case_takes_no_letter_and_an_unknown_one_is_named(app):
    case_id = _case_with_poster(app)
    with pytest.raises(BadInput, match="there is no letter 'threat'"):
        letters.send_letter(app, case_id, "threat", HEAD, "A letter", "post")
    with pytest.raises(NotFound):
        letters.send_letter(app, 999, "legal_warning", HEAD, "A letter", "post")
    act(app, case_id, "close_no_action", reason="not about the school")
    with pytest.raises(Refused, match="closed"):
        letters.send_letter(app, case_id, "legal_warning", HEAD, "A letter", "post")
