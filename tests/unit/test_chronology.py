"""The chronology's wording: what a headteacher reads for each kind of event, with no database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import workflows
from engine.queries.chronology import Person, chronology, mentioned
from engine.queries.views import Event

SPEC = workflows.load(Path(__file__).parents[2] / "workflows.yaml").spec
LONDON = ZoneInfo("Europe/London")
PEOPLE = {
    "head@school.example": Person("Helen Head", "Headteacher"),
    "chair@school.example": Person("Carol Chair", "Chair of directors"),
    "sam@school.example": Person("Sam Staff", "Member of staff"),
}
AT = datetime(2025, 12, 4, 14, 5, tzinfo=UTC)


def event(
    kind: str,
    data: dict[str, Any],
    *,
    actor: str = "head@school.example",
    action: str | None = None,
    before: str | None = "warning",
    after: str | None = "warning",
    seq: int = 1,
    track: str | None = None,
) -> Event:
    return Event(seq, AT, "", actor, kind, action, before, after, data, "f" * 64, track)


def words(*events: Event) -> list[tuple[str, str, str, tuple[tuple[str, str], ...]]]:
    return [(e.when, e.who, e.headline, e.details) for e in chronology(events, SPEC, PEOPLE, LONDON)]


def test_an_action_says_what_was_decided_with_each_answer_by_its_label():
    given = event(
        "action",
        {
            "title": "Warn that further posts could lead to legal action",
            "fields": {"warned_on": "2025-12-04", "method": "letter"},
            "note": "Posted first class",
            "notified": [],
        },
        action="give_warning",
        before="warning",
        after="outcome_review",
    )
    assert words(given) == [
        (
            "Thu 4 Dec 2025, 14:05",
            "Helen Head (Headteacher)",
            "Warning given by letter on Thu 4 Dec 2025",
            (
                ("Date of the warning", "Thu 4 Dec 2025"),
                ("How the warning was given", "letter"),
                ("Stage", "Warning of legal action → Outcome"),
                ("Note", "Posted first class"),
            ),
        )
    ]


def test_an_escalation_says_why_and_an_automatic_one_which_deadline():
    by_head = event(
        "action",
        {"fields": {"reason": "the parent has posted again"}, "notified": ["chair_escalation"]},
        action="escalate_to_chair",
        before="outcome_review",
        after="chair_meeting",
    )
    by_system = event(
        "action",
        {"fields": {}, "deadline": "outcome_escalation", "notified": []},
        actor="system",
        action="escalate_to_chair",
        before="outcome_review",
        after="chair_meeting",
    )
    first, second = words(by_head, by_system)
    assert first[2] == "Escalated to the chair: the parent has posted again"
    assert ("Emails written", "the case comes to the chair") in first[3]
    assert second[1] == "Redress (automatic)"
    assert second[2] == "Escalated to the chair: not recorded"
    assert ("Why", "the deadline 'outcome escalation' passed") in second[3]


def test_a_correction_shows_old_and_new_and_why():
    given = event(
        "corrected",
        {
            "changes": [{"field": "summary", "label": "What was posted", "old": "A post", "new": "Two posts"}],
            "reason": "a second post was found",
        },
    )
    assert words(given)[0][2:] == (
        "Case details corrected",
        (("What was posted", "A post → Two posts"), ("Reason", "a second post was found")),
    )


def test_people_appear_by_name_and_role_never_by_email():
    sent = event("email_sent", {"to": "sam@school.example", "template": "staff_reassurance"}, actor="system")
    added = event(
        "party_added",
        {"party": "staff", "person": "sam@school.example", "reason": "named in a reply", "notified": ["staff_reassurance"]},
    )
    assert [w[2] for w in words(sent, added)] == [
        "Email sent to Sam Staff (Member of staff): reassurance to the staff concerned",
        "Staff member concerned added: Sam Staff (Member of staff)",
    ]
    assert mentioned([sent, added]) == {"sam@school.example", "head@school.example"}


def test_evidence_withdrawn_a_reopening_a_meeting_and_a_letter_read_plainly():
    withdrawn = event("evidence_withdrawn", {"evidence": 3, "name": "wrong.png", "reason": "another family's post"})
    reopened = event(
        "reopened", {"reason": "the posts are back", "outcome": "resolved"}, before="resolved", after="outcome_review"
    )
    meeting = event("meeting", {"held_on": "2025-12-02", "attendees": "the parent, the head", "notes": "Agreed"})
    letter = event(
        "letter",
        {
            "letter": "legal_warning",
            "method": "post",
            "sent_on": "2025-12-04",
            "to": "Pat Poster",
            "evidence": 7,
            "sha256": "a" * 64,
        },
    )
    assert [w[2] for w in words(withdrawn, reopened, meeting, letter)] == [
        "Evidence withdrawn: wrong.png",
        "Case reopened at 'Outcome'",
        "Meeting held on Tue 2 Dec 2025",
        "Letter sent by post: warning of possible legal action",
    ]
    assert words(reopened)[0][3] == (("Was", "Resolved (resolved)"), ("Reason", "the posts are back"))


def test_the_chairs_way_forward_is_recorded_in_words():
    given = event(
        "action",
        {"fields": {"way_forward": "A meeting each half term"}, "notified": []},
        actor="chair@school.example",
        action="agree_way_forward",
        before="way_forward",
        after="way_forward_agreed",
    )
    _, who, headline, _ = words(given)[0]
    assert (who, headline) == ("Carol Chair (Chair of directors)", "Way forward agreed: A meeting each half term")


def test_a_track_its_pause_and_its_outcome_read_plainly():
    started = event("track_started", {"track_stage": "with_police", "by": "category"}, action=None, track="police", seq=2)
    paused = event("paused", {"procedure": "main", "by": ["police"], "deadlines": 1}, actor="system", seq=3)
    outcome = event(
        "track_action",
        {
            "title": "Record the police's outcome",
            "fields": {"police_outcome": "Words of advice"},
            "track_stage_before": "with_police",
            "track_stage_after": "police_outcome",
        },
        action="record_police_outcome",
        track="police",
        seq=4,
    )
    said = words(started, paused, outcome)
    assert said[0][2:] == ("Started: Police", (("Because of", "the case's category"), ("Now at", "With the police")))
    assert said[1][1:3] == ("Redress (automatic)", "Deadlines of the case paused: waiting for Police")
    assert said[2][2:] == (
        "Record the police's outcome",
        (("What the police did", "Words of advice"), ("Police", "With the police → Police outcome recorded")),
    )


def test_a_letter_sent_by_hand_and_a_new_letter_read_plainly():
    by_hand = event("letter", {"letter": "site_ban", "method": "hand", "sent_on": "2026-11-20", "to": "Pat Poster"})
    takedown = event("letter", {"letter": "platform_takedown", "method": "email", "sent_on": "2026-11-21", "to": "Facebook"})
    (_, _, ban_headline, ban_details), (_, _, takedown_headline, takedown_details) = words(by_hand, takedown)
    assert ban_headline == "Letter sent by hand: notice of a ban from the school site"
    assert ban_details == (("To", "Pat Poster"), ("Sent", "Fri 20 Nov 2026 by hand"))
    assert takedown_headline == "Letter sent by email: takedown request to the platform"
    assert ("To", "Facebook") in takedown_details
