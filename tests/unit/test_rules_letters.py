"""The letters' rules, with no database: which letters there are, how one is sent, when one may be written."""

from __future__ import annotations

from datetime import date

import pytest

from engine.errors import BadInput
from engine.rules import letters
from notifications import LETTER_KINDS


def test_every_letter_has_a_template_and_a_title_in_words() -> None:
    assert tuple(letters.LETTERS) == LETTER_KINDS
    assert all(kind.title[:1].isupper() and "_" not in kind.title for kind in letters.LETTERS.values())


@pytest.mark.parametrize(("typed", "kept"), [("post", "post"), ("By post", "post"), (" email ", "email"), ("by hand", "hand")])
def test_a_method_is_read_as_people_say_it(typed: str, kept: str) -> None:
    assert letters.method(typed) == kept


@pytest.mark.parametrize("typed", ["", "pigeon", "by", "fax", "post\x1b"])
def test_any_other_method_is_refused_naming_the_three(typed: str) -> None:
    with pytest.raises(BadInput, match="by post, by email or by hand") as raised:
        letters.method(typed)
    assert raised.value.problems[0][0] == "method"


def test_the_meeting_arranged_is_the_latest_meeting_date_an_action_recorded() -> None:
    facts = {
        "arrange_meeting": {"meeting_date": "2026-11-30", "invited_by": "letter"},
        "acknowledge": {"staff_reassured": True},
        "rearrange": {"meeting_date": "2026-12-03", "meeting_place": "the library"},
    }
    assert letters.arranged_meeting(facts) == (date(2026, 12, 3), "the library")
    assert letters.arranged_meeting({"acknowledge": {"staff_reassured": True}}) == (None, None)
    assert letters.arranged_meeting({"arrange_meeting": {"meeting_date": "not a day"}}) == (None, None)


def test_a_site_ban_waits_for_a_meeting_and_a_takedown_for_a_platform() -> None:
    ban, takedown, warning = (letters.LETTERS[k] for k in ("site_ban", "platform_takedown", "legal_warning"))
    assert letters.may_write(ban, False, "Facebook") == (
        "a ban from the school site comes after a meeting with the poster was tried: arrange or record one first"
    )
    assert letters.may_write(ban, True, None) is None
    assert letters.may_write(takedown, True, "  ") is not None and letters.may_write(takedown, False, "X") is None
    assert letters.may_write(warning, False, None) is None
    assert letters.meeting_tried({}, 1) and letters.meeting_tried({"a": {"meeting_date": "2026-11-30"}}, 0)
    assert not letters.meeting_tried({}, 0)
    offered = {o.kind: o.blocked for o in letters.options(False, "Facebook")}
    assert [k for k, blocked in offered.items() if blocked] == ["site_ban"]


def test_a_letter_is_text_of_up_to_the_input_rules_limit() -> None:
    assert letters.letter_text("  Dear Pat,\r\n\r\nPlease remove the posts.  ") == "Dear Pat,\n\nPlease remove the posts."
    with pytest.raises(BadInput, match="the letter is empty"):
        letters.letter_text(" \n ")
    with pytest.raises(BadInput, match="10001 characters long"):
        letters.letter_text("x" * 10_001)
    assert letters.long_day(date(2026, 11, 30)) == "Monday 30 November 2026"
