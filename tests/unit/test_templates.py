"""The email and letter templates: every one renders, safely, and a school's own versions win."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import workflows
from notifications import LETTER_KINDS, TemplateError, TemplateRenderer, sample_context
from tests.conftest import WORKFLOW

RENDERER = TemplateRenderer()
EMAILS = sorted(RENDERER.names())
ABOUT_A_CASE = sorted(set(EMAILS) - {"daily_digest", "policy_review"})
SAMPLE = sample_context()


def context(**changes: Any) -> dict[str, Any]:
    """The sample context with some case fields changed (`case_url=None`) or top-level keys replaced."""
    value = sample_context()
    for key, new in changes.items():
        if key.startswith("case_"):
            value["case"][key.removeprefix("case_")] = new
        else:
            value[key] = new
    return value


def test_every_template_the_workflow_names_exists_with_the_worker_s_own() -> None:
    workflows.load(WORKFLOW, templates=RENDERER.names())  # raises InvalidDefinition naming any missing template
    assert {"daily_digest", "policy_review"} <= RENDERER.names()


def test_every_template_and_letter_renders_against_the_sample() -> None:
    assert RENDERER.check(SAMPLE, required=["new_case"]) == []


@pytest.mark.parametrize("name", EMAILS)
def test_each_email_has_a_one_line_subject_a_text_body_and_an_html_page(name: str) -> None:
    rendered = RENDERER.render(name, SAMPLE)

    assert rendered.subject and "\n" not in rendered.subject and rendered.subject == rendered.subject.strip()
    assert rendered.text.startswith(f"Dear {SAMPLE['recipient']['name']},")
    assert "\n\n\n" not in rendered.text
    assert rendered.html.startswith("<!DOCTYPE html>") and SAMPLE["school_name"] in rendered.html


@pytest.mark.parametrize("name", ABOUT_A_CASE)
def test_each_email_about_a_case_links_to_it_when_the_case_has_an_address(name: str) -> None:
    url = SAMPLE["case"]["url"]
    linked = RENDERER.render(name, SAMPLE)
    unlinked = RENDERER.render(name, context(case_url=None))

    assert url in linked.text and f'href="{url}"' in linked.html
    assert url not in unlinked.text and url not in unlinked.html


@pytest.mark.parametrize("name", ["staff_reassurance", "case_closed"])
def test_emails_to_the_staff_concerned_leave_out_the_posts_and_the_poster(name: str) -> None:
    rendered = RENDERER.render(
        name, context(case_summary="Mrs Poster of 4 Elm Road wrote...", case_link="https://facebook.example/posts/9")
    )

    for secret in ("Mrs Poster", "Elm Road", "facebook.example"):
        assert secret not in rendered.text and secret not in rendered.html


def test_the_staff_member_is_reassured_and_told_who_to_talk_to() -> None:
    text = RENDERER.render("staff_reassurance", SAMPLE).text

    assert "investigated and dealt with" in text
    assert "speak to the headteacher" in text and "Mr Tom Reid" in text


def test_the_chair_is_told_why_the_case_came_and_what_is_asked() -> None:
    by_deadline = RENDERER.render("chair_escalation", SAMPLE).text
    by_hand = RENDERER.render("chair_escalation", context(deadline=None, reason=None)).text

    assert "Monday 3 March 2025" in by_deadline and "Wednesday 5 March 2025" in by_deadline
    assert "The parent refused to meet" in by_deadline
    assert "Mr Tom Reid brought it" in by_hand
    assert "further meeting between you, as chair, and the parents or carers" in by_deadline


def test_a_reminder_says_which_deadline_since_when_and_what_to_do_next() -> None:
    reminder = RENDERER.render(
        "deadline_reminder", context(case_stage="gathering_evidence", case_stage_title="Gathering evidence")
    )

    assert "evidence reminder" in reminder.text and "since Monday 3 March 2025" in reminder.text
    assert "arrange a meeting with the poster" in reminder.text
    assert "since Monday 3 March 2025" in reminder.subject


def test_a_prejudice_related_case_is_flagged_to_the_headteacher() -> None:
    assert "prejudice-related" in RENDERER.render("new_case", context(case_prejudice=True)).subject
    assert "equalities manager" in RENDERER.render("new_case", context(case_prejudice=True)).text
    assert "prejudice" not in RENDERER.render("new_case", SAMPLE).text


def test_html_escapes_what_people_typed_and_text_keeps_it_as_typed() -> None:
    rendered = RENDERER.render("new_case", context(case_summary="<script>alert(1)</script> & more"))

    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in rendered.html
    assert "<script>" not in rendered.html
    assert "<script>alert(1)</script> & more" in rendered.text


@pytest.mark.parametrize("kind", [k for k in LETTER_KINDS if k != "platform_takedown"])
def test_each_letter_to_the_poster_is_signed_and_points_to_the_complaints_policy(kind: str) -> None:
    letter = RENDERER.render_letter(kind, context(poster={"name": "Mrs <b>Poster</b>"}))

    for body in (letter.text, letter.html):
        assert "Complaints policy" in body and "Ms Jane Okafor" in body and "Headteacher" in body
    assert "Dear Mrs <b>Poster</b>," in letter.text
    assert "Dear Mrs &lt;b&gt;Poster&lt;/b&gt;," in letter.html


def test_the_takedown_request_is_to_the_platform_and_names_neither_the_poster_nor_their_address() -> None:
    letter = RENDERER.render_letter("platform_takedown", SAMPLE)

    for body in (letter.text, letter.html):
        assert "Facebook: trust and safety team" in body and "Dear Sir or Madam," in body
        assert "Mrs A. Parent" not in body and "12 Elm Road" not in body
        assert "https://www.facebook.com/groups/example/posts/123" in body and "Headteacher" in body


def test_a_letter_to_the_poster_is_addressed_to_their_postal_address_line_by_line() -> None:
    letter = RENDERER.render_letter("legal_warning", SAMPLE)

    assert "PRIVATE AND CONFIDENTIAL\nMrs A. Parent\n12 Elm Road\nOakfield\nOK1 2AB\n\nOur reference" in letter.text
    assert "Mrs A. Parent<br>12 Elm Road<br>Oakfield<br>OK1 2AB</p>" in letter.html


def test_a_meeting_invitation_without_a_date_asks_the_poster_to_agree_one() -> None:
    dated = RENDERER.render_letter("meeting_invitation", SAMPLE).text
    undated = RENDERER.render_letter("meeting_invitation", context(meeting=None)).text

    assert "Thursday 13 March 2025" in dated
    assert "agree a time that suits you" in undated


def test_a_missing_variable_is_a_template_error_naming_the_file_and_line() -> None:
    incomplete = sample_context()
    del incomplete["actor"]

    with pytest.raises(TemplateError) as raised:
        RENDERER.render("new_case", incomplete)

    assert (raised.value.template, raised.value.line) == ("new_case.txt", 4)
    assert str(raised.value) == "template new_case.txt, line 4: 'actor' is undefined"


def test_an_unknown_template_or_letter_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match=r"no_such\.subject\.txt: not found"):
        RENDERER.render("no_such", SAMPLE)
    with pytest.raises(TemplateError, match="no such letter"):
        RENDERER.render_letter("eviction", SAMPLE)
    with pytest.raises(TemplateError, match="lower-case"):
        RENDERER.render("../secrets", SAMPLE)


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ case.__class__ }}",
        "{{ recipient.update({'email': 'spy@evil.example'}) }}",
        "{{ case.categories.append('x') }}",
    ],
)
def test_the_sandbox_refuses_to_reach_python_internals_or_change_the_context(tmp_path: Path, expression: str) -> None:
    write(tmp_path, "new_case.subject.txt", expression)

    with pytest.raises(TemplateError) as raised:
        TemplateRenderer(tmp_path).render("new_case", sample_context())

    assert "new_case.subject.txt, line 1" in str(raised.value) and "unsafe" in str(raised.value)


def test_an_override_folder_replaces_one_template_and_keeps_the_others(tmp_path: Path) -> None:
    write(tmp_path, "new_case.subject.txt", "New case {{ case.id }}\nat {{ school_name }}\n")
    write(tmp_path, "letters/legal_warning.txt", "{% extends 'letters/_letter.txt' %}{% block body %}Ours.{% endblock %}")
    school = TemplateRenderer(tmp_path)

    assert school.render("new_case", SAMPLE).subject == "New case 42 at Oakfield Primary Academy"
    assert school.render("new_case", SAMPLE).text == RENDERER.render("new_case", SAMPLE).text
    assert school.render("staff_reassurance", SAMPLE) == RENDERER.render("staff_reassurance", SAMPLE)
    assert "Ours." in school.render_letter("legal_warning", SAMPLE).text
    assert school.names() == RENDERER.names()


def test_an_override_folder_may_add_a_template(tmp_path: Path) -> None:
    for part in ("subject.txt", "txt", "html"):
        write(tmp_path, f"parents_evening.{part}", "About case {{ case.id }}")

    assert "parents_evening" in TemplateRenderer(tmp_path).names()
    assert TemplateRenderer(tmp_path).render("parents_evening", SAMPLE).subject == "About case 42"


def test_a_broken_override_is_reported_with_its_line_by_check(tmp_path: Path) -> None:
    write(tmp_path, "case_closed.txt", "Dear {{ recipient.name }},\n\n{% if case.id %}\nunclosed\n")

    problems = TemplateRenderer(tmp_path).check(SAMPLE)

    assert len(problems) == 1
    assert problems[0].startswith("template case_closed.txt, line ")
