"""Corrections and reopening on the case page: a refused form is post/redirect/get like every other form
(web.forms.refuse): the error summary links each message to its field, the field repeats it, once."""

from __future__ import annotations

from tests.conftest import HEAD
from tests.web.test_pages import _open


def _case(answer) -> int:  # type: ignore[no-untyped-def]
    return int(answer.headers["location"].rsplit("/", 1)[1])


def test_a_refused_correction_comes_back_once_with_its_field_named(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    case_id = _case(_open(head))
    refused = head.post(f"/cases/{case_id}/correct", {"summary": "A rude post about the school", "reason": "  "})
    assert refused.status_code == 303 and refused.headers["location"] == f"/cases/{case_id}#correct"
    page = head.get(f"/cases/{case_id}").text
    assert 'class="error-summary"' in page and 'href="#co-reason"' in page and 'id="co-reason-error"' in page
    assert "A rude post about the school" in page  # what was typed is kept
    assert 'class="error-summary"' not in head.get(f"/cases/{case_id}").text  # shown once: a reload is clean

    done = head.post(f"/cases/{case_id}/correct", {"summary": "A rude post about the school", "reason": "it was the school"})
    assert done.status_code == 303
    page = head.get(f"/cases/{case_id}").text
    assert "Case details corrected" in page and 'class="error-summary"' not in page


def test_adding_someone_without_saying_who_names_the_field(browser) -> None:  # type: ignore[no-untyped-def]
    head = browser(HEAD)
    case_id = _case(_open(head))
    assert head.post(f"/cases/{case_id}/parties", {"kind": "pupil", "reason": "named in a reply"}).status_code == 303
    page = head.get(f"/cases/{case_id}").text
    assert 'href="#pa-ref"' in page and "give the pupil&#39;s reference" in page
