"""Every email template, rendered for every role of the shipped workflow (and the staff member concerned), tells
a reader who may not open the case in full nothing beyond the case's category, date, stage and a link.

The context is seeded with marker strings wherever a case's details can reach a template: its summary (with a
pupil's reference), the poster, the people's names, the platform and link, the action's fields and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import workflows
from engine.rules import notices
from engine.rules.access import STAFF_CONCERNED, CaseAccess, Sight, Viewer, case_sight
from notifications import TemplateRenderer, sample_context

SPEC = workflows.load(Path(__file__).resolve().parents[2] / "workflows.yaml").spec
RENDERER = TemplateRenderer()
NO_CASE = {"daily_digest", "policy_review"}  # about no one case: the digest's readers are the case owners
ABOUT_A_CASE = sorted(RENDERER.names() - NO_CASE)
READER_ID, OPENER_ID = 7, 1
SIGN_IN = "https://redress.example/sign-in"
MARKERS = (
    "MARK-SUMMARY",
    "PUPIL-4242",
    "MARK-PLATFORM",
    "MARK-LINK",
    "MARK-ACTOR",
    "MARK-ACTION",
    "MARK-FIELD",
    "MARK-REASON",
    "mark_deadline",
    "MARK-SINCE",
    "MARK-EVIDENCE",
    "MARK-POSTER",
    "MARK-READER",
    "MARK-PROBLEM",
)
CATEGORY = SPEC.categories["threat_of_violence"].label


def marked() -> dict[str, Any]:
    context = sample_context()
    context["case"] = {
        **context["case"],
        "id": 42,
        "summary": "MARK-SUMMARY: pupil PUPIL-4242 was named by MARK-POSTER",
        "platform": "MARK-PLATFORM",
        "link": "https://MARK-LINK.example/post/1",
        "categories": [CATEGORY],
        "stage": "reported",
        "stage_title": "Reported",
        "opened_at": "Mon 23 Nov 2026 10:00",
        "url": "https://redress.example/cases/42",
        "authorities": True,
    }
    context["actor"] = {"name": "MARK-ACTOR"}
    context["action"] = {"name": "refer_to_authorities", "title": "MARK-ACTION", "fields": {"MARK-FIELD": "MARK-REASON-1"}}
    context["reason"] = "MARK-REASON-2"
    context["deadline"] = {
        "name": "mark_deadline",
        "kind": "reminder",
        "due": "MARK-SINCE",
        "since": "MARK-SINCE",
        "repeats": True,
    }
    context["evidence"] = {"id": 9, "name": "MARK-EVIDENCE.png", "sha256": "ab" * 32}
    context["poster"] = {"name": "MARK-POSTER"}
    context["reader"] = "MARK-READER"
    context["problem"] = "MARK-PROBLEM"
    context["first_published_on"] = "MARK-SINCE"
    context["limitation_date"] = "MARK-SINCE"
    return context


def readers() -> list[tuple[str, Sight]]:
    """Each role of the shipped workflow, and the staff member concerned, with their sight of a threat case at
    its first stage that someone else logged (the case every test here is about)."""
    found = []
    for role in [*SPEC.roles, STAFF_CONCERNED]:
        roles = () if role == STAFF_CONCERNED else (role,)
        viewer = Viewer.of(SPEC, READER_ID, "reader@school.example", "Reader", roles)
        staff = frozenset({READER_ID}) if role == STAFF_CONCERNED else frozenset()
        case = CaseAccess(42, 1, OPENER_ID, staff, ("threat_of_violence",), frozenset({"reported"}))
        found.append((role, case_sight(viewer, case, SPEC)))
    return found


READERS = readers()


def render_for(template: str, sight: Sight) -> str:
    """What `engine.commands.notify.queue` renders for a reader with `sight` under the default settings."""
    context = marked()
    whom = {"school_name": context["school_name"], "recipient": {"name": "Reader", "email": "reader@school.example"}}
    if notices.full_detail(sight, template, "minimal", ()):
        message = RENDERER.render(template, {**context, **whom})
    else:
        limited = notices.for_reader(context, sight, template, SIGN_IN)
        message = RENDERER.render_within(template, {**limited, **whom}, notices.MINIMAL)
    return "\n".join([message.subject, message.text, message.html])


def test_the_readers_cover_every_sight_short_of_the_full_case():
    assert {sight for _, sight in READERS} >= {Sight.NONE, Sight.LOG, Sight.MATTER, Sight.FULL}
    assert dict(READERS)["chair"] is Sight.NONE and dict(READERS)["coordinator"] is Sight.LOG


@pytest.mark.parametrize("template", ABOUT_A_CASE)
@pytest.mark.parametrize(("role", "sight"), [r for r in READERS if r[1] is not Sight.FULL], ids=lambda r: str(r))
def test_a_reader_who_may_not_open_the_case_is_told_nothing_beyond_their_sight(template, role, sight):
    body = render_for(template, sight)
    leaked = [marker for marker in MARKERS if marker in body]
    assert leaked == [], f"{template} tells the {role} {leaked}"
    assert "42" in body  # the reference (as the incident log shows it) is always there


WRITTEN_FOR_ANY_READER = {"staff_reassurance", "staff_safety", "case_closed"}
"""Emails that ask nothing of the case beyond its reference and date, so every reader gets them as written."""


@pytest.mark.parametrize("template", ABOUT_A_CASE)
def test_a_reader_who_may_not_open_the_case_gets_its_category_date_stage_and_a_link(template):
    body = render_for(template, Sight.LOG)
    assert "Mon 23 Nov 2026" in body and SIGN_IN in body
    if template not in WRITTEN_FOR_ANY_READER:
        assert CATEGORY in body and "Reported" in body
    assert ("This email says no more than that" in body) is (template not in WRITTEN_FOR_ANY_READER | {"violence_threat"})


@pytest.mark.parametrize("template", ["new_case", "authorities_referral", "chair_escalation", "deadline_reminder"])
@pytest.mark.parametrize(("role", "sight"), [r for r in READERS if r[1] is Sight.FULL], ids=lambda r: str(r))
def test_a_reader_who_sees_the_case_in_full_keeps_the_detail(template, role, sight):
    assert "MARK-SUMMARY" in render_for(template, sight) and "PUPIL-4242" in render_for(template, sight)


def test_the_limited_context_holds_only_the_reference_category_date_stage_and_link():
    limited = notices.for_reader(marked(), Sight.NONE, "new_case", SIGN_IN)
    assert limited["case"] == {
        "id": 42,
        "stage": "reported",
        "stage_title": "Reported",
        "categories": [CATEGORY],
        "opened_at": "Mon 23 Nov 2026 10:00",
        "prejudice": False,
        "authorities": True,
        "platform": None,
        "link": None,
        "url": SIGN_IN,
    }
    assert (limited["actor"], limited["action"], limited["deadline"], limited["reason"]) == (None, None, None, None)
    assert notices.for_reader(marked(), Sight.MATTER, "staff_reassurance", SIGN_IN)["case"]["url"].endswith("/cases/42")


def test_the_school_may_ask_for_full_emails_in_general_or_per_template():
    assert notices.full_detail(Sight.NONE, "new_case", "full", ())
    assert notices.full_detail(Sight.LOG, "new_case", "minimal", ("new_case",))
    assert not notices.full_detail(Sight.LOG, "case_closed", "minimal", ("new_case",))
    assert notices.full_detail(Sight.FULL, "case_closed", "minimal", ())


def test_the_digest_shows_each_reader_only_the_cases_they_may_read_and_the_log_line_of_others():
    item = {"id": 1, "summary": "MARK-SUMMARY", "categories": [CATEGORY], "stage_title": "Reported", "due": "Mon"}
    context = {"overdue": [item, {**item, "id": 2}, {**item, "id": 3}], "due_soon": [], "integrity": None}
    digest = notices.digest_for(context, {1: Sight.FULL, 2: Sight.LOG})
    assert [(i["id"], i["summary"]) for i in digest["overdue"]] == [(1, "MARK-SUMMARY"), (2, CATEGORY)]
    rendered = RENDERER.render("daily_digest", {**sample_context(), **digest})
    assert rendered.text.count("MARK-SUMMARY") == 1 and "Case 3" not in rendered.text
