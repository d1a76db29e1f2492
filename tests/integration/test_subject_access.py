"""Subject access requests on SQLite and PostgreSQL: the deadline in calendar months, the extension rule, the
search for one person across cases (and only the cases the searcher may read), and the redacted export."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.commands import cases, records
from engine.commands.integrity import verify
from engine.commands.subject_export import export_subject, write_export
from engine.commands.subject_requests import NewRequest, answer_request, extend_request, receive_request
from engine.context import Redress
from engine.errors import BadInput, NotAllowed, NotFound, Refused
from engine.queries.subject_requests import find_subject, subject_request, subject_requests
from store import AccessEntry
from tests.conftest import CHAIR, COORDINATOR, HEAD, SAM, WORKFLOW, make_app

PARENT, PARENT_EMAIL = "Jo Parent", "jo.parent@home.example"
OTHER, OTHER_EMAIL, PUPIL = "Kim Otherparent", "kim@elsewhere.example", "PUP-777"


def receive(app: Redress, received: date, *, by: str = HEAD, terms: tuple[str, ...] = (PARENT, PARENT_EMAIL)) -> int:
    return receive_request(app, by, NewRequest("Jo Parent", terms, received, identity_checked=True))


def opened(
    app: Redress, summary: str, *, posters: tuple[tuple[str, str], ...] = (), pupils: tuple[str, ...] = (), by: str = HEAD
) -> int:
    details = cases.OpenCase(
        categories=("staff_offensive",), summary=summary, staff=(SAM,), posters=posters, pupils=pupils, platform="Facebook"
    )
    return cases.open_case(app, by, details)


def three_cases(app: Redress) -> tuple[int, int, int, int]:
    """The parent as a poster, named in a summary, in a note; and a case about someone else."""
    as_poster = opened(
        app, "A post calling Mr Staff useless", posters=((PARENT, PARENT_EMAIL), (OTHER, OTHER_EMAIL)), pupils=(PUPIL,)
    )
    in_summary = opened(app, f"{OTHER} shared a post by Jo Parent about Tess Teacher and {PUPIL}", pupils=(PUPIL,))
    in_note = opened(app, "An anonymous post about the school trip")
    records.add_note(app, in_note, HEAD, f"Rang {PARENT_EMAIL}: they say the account is not theirs; Sam Staff was upset")
    elsewhere = opened(app, f"{OTHER} posted about the car park", posters=((OTHER, OTHER_EMAIL),))
    return as_poster, in_summary, in_note, elsewhere


def sar_log(app: Redress, what: str) -> list[AccessEntry]:
    with app.db.reading() as session:
        return list(session.scalars(select(AccessEntry).where(AccessEntry.what == what).order_by(AccessEntry.seq)))


# --- the deadline --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2025, 1, 31), date(2025, 2, 28)),  # no 31 February: the last day of the month
        (date(2024, 1, 31), date(2024, 2, 29)),  # a leap year
        (date(2025, 12, 15), date(2026, 1, 15)),  # the Christmas holidays count: a month is a month
        (date(2025, 12, 1), date(2026, 1, 2)),  # 1 January is a bank holiday: the next working day
        (date(2025, 10, 18), date(2025, 11, 18)),
    ],
)
def test_the_answer_is_due_one_calendar_month_after_receipt(app: Redress, received: date, due: date) -> None:
    request_id = receive(app, received)
    view = subject_request(app, HEAD, request_id)
    assert (view.received_on, view.due_on, view.first_due_on) == (received, due, due)
    assert sar_log(app, "sar_received")[-1].detail.startswith(f"subject request {request_id}: received {received}, due {due}")


def test_a_request_cannot_be_received_in_the_future(app: Redress) -> None:
    with pytest.raises(BadInput, match="in the future") as refused:
        receive(app, date(2026, 11, 24))
    assert refused.value.problems[0][0] == "received_on"
    assert subject_requests(app, HEAD) == []


def test_an_extension_told_within_the_first_month_adds_up_to_two_months_audited(app: Redress) -> None:
    request_id = receive(app, date(2026, 10, 1))
    assert subject_request(app, HEAD, request_id).due_on == date(2026, 11, 2)  # 1 November 2026 is a Sunday
    due = extend_request(app, HEAD, request_id, 2, "Three cases and a long trail to review", date(2026, 10, 20))
    assert due == date(2027, 1, 4)  # 1 January 2027, a bank holiday on a Friday: the Monday
    view = subject_request(app, HEAD, request_id)
    assert (view.due_on, view.first_due_on, view.told_on) == (due, date(2026, 11, 2), date(2026, 10, 20))
    entry = sar_log(app, "sar_extended")[-1]
    assert entry.actor == HEAD and "Three cases and a long trail" in entry.detail and "2027-01-04" in entry.detail
    with pytest.raises(Refused, match="extended already"):
        extend_request(app, HEAD, request_id, 1, "again", date(2026, 10, 21))


def test_an_extension_is_refused_when_the_person_was_told_after_the_first_month(app: Redress) -> None:
    request_id = receive(app, date(2026, 10, 1))
    with pytest.raises(Refused, match="too late to extend: the person had to be told by 2026-11-02"):
        extend_request(app, HEAD, request_id, 1, "complex", date(2026, 11, 3))
    with pytest.raises(BadInput, match="1 or 2 further months"):
        extend_request(app, HEAD, request_id, 3, "complex", date(2026, 10, 5))
    with pytest.raises(BadInput, match="after today"):
        extend_request(app, HEAD, request_id, 1, "complex", date(2026, 11, 24))
    assert subject_request(app, HEAD, request_id).due_on == date(2026, 11, 2)
    assert sar_log(app, "sar_extended") == []


def test_overdue_requests_show_and_answered_ones_are_closed(app: Redress) -> None:
    late = receive(app, date(2026, 9, 1))  # due 1 October 2026
    fresh = receive(app, date(2026, 11, 20))
    listed = {v.id: v for v in subject_requests(app, HEAD)}
    assert listed[late].overdue and listed[late].days_left == -53
    assert not listed[fresh].overdue and listed[fresh].days_left == 28
    assert answer_request(app, HEAD, late) == date(2026, 11, 23)
    assert "53 day(s) late" in sar_log(app, "sar_answered")[-1].detail
    with pytest.raises(Refused, match="was answered on 2026-11-23"):
        extend_request(app, HEAD, late, 1, "complex", date(2026, 9, 5))


def test_only_holders_of_the_power_handle_requests(app: Redress) -> None:
    with pytest.raises(NotAllowed, match="only the Headteacher may handle subject access requests"):
        receive(app, date(2026, 11, 20), by=CHAIR)
    request_id = receive(app, date(2026, 11, 20))
    for who in (CHAIR, COORDINATOR, SAM):
        with pytest.raises(NotAllowed):
            find_subject(app, who, [PARENT])
        with pytest.raises(NotAllowed):
            export_subject(app, who, request_id, "test")
    with pytest.raises(NotFound, match="no subject access request 99"):
        export_subject(app, HEAD, 99, "test")


# --- the search ----------------------------------------------------------------------------------


def test_search_finds_the_parent_across_three_cases_and_says_where(app: Redress) -> None:
    as_poster, in_summary, in_note, elsewhere = three_cases(app)
    found = find_subject(app, HEAD, [PARENT])
    by_case = {c.case_id: c.found for c in found.cases}
    assert set(by_case) == {as_poster, in_summary}  # the note names them only by email
    assert "named as a poster" in by_case[as_poster] and "the summary" in by_case[in_summary]
    by_email = {c.case_id: c.found for c in find_subject(app, HEAD, [PARENT, PARENT_EMAIL.upper()]).cases}
    assert set(by_email) == {as_poster, in_summary, in_note} and "a note" in by_email[in_note]
    assert elsewhere not in by_email
    pupil = {c.case_id for c in find_subject(app, HEAD, [PUPIL.lower()]).cases}
    assert pupil == {as_poster, in_summary}
    assert find_subject(app, HEAD, ["100%_"]).cases == ()  # LIKE's wildcards are searched for as written
    with pytest.raises(BadInput, match="too short"):
        find_subject(app, HEAD, ["J"])


def test_search_finds_words_in_the_trail_and_evidence_descriptions(app: Redress) -> None:
    case_id = opened(app, "A post about the school play")
    records.add_evidence_link(app, case_id, HEAD, "https://facebook.example/post/9", f"Screenshot sent in by {PARENT}")
    found = find_subject(app, HEAD, [PARENT]).cases
    assert [c.case_id for c in found] == [case_id]
    assert "an evidence description" in found[0].found and "the audit trail" in found[0].found


def test_search_shows_nothing_the_searcher_may_not_read(database_url: str, tmp_path: Path) -> None:
    """A school that gives the power to its coordinator too: they find the parent only in the cases they read in full."""
    from engine.commands.people import add_person

    source = WORKFLOW.read_text().replace(
        "answer_subject_requests: [headteacher]", "answer_subject_requests: [headteacher, coordinator]"
    )
    assert source != WORKFLOW.read_text()
    (tmp_path / "workflows.yaml").write_text(source)
    app = make_app(database_url, tmp_path, workflow=tmp_path / "workflows.yaml")
    try:
        for name, email, roles in (("Helen Head", HEAD, ["headteacher"]), ("Cora", COORDINATOR, ["coordinator"])):
            add_person(app, name, email, roles)
        add_person(app, "Sam Staff", SAM, ["staff"])
        heads = opened(app, f"Posted by {PARENT}", by=HEAD)
        theirs = opened(app, f"Shared by {PARENT}", by=COORDINATOR)
        assert {c.case_id for c in find_subject(app, HEAD, [PARENT]).cases} == {heads, theirs}
        assert {c.case_id for c in find_subject(app, COORDINATOR, [PARENT]).cases} == {theirs}
        request_id = receive(app, date(2026, 11, 20), by=COORDINATOR)
        made = export_subject(app, COORDINATOR, request_id, "test")
        assert made.cases == (theirs,) and b"Posted by" not in made.files[f"subject-request-{request_id}.json"]
    finally:
        app.close()


# --- the export ----------------------------------------------------------------------------------


def test_export_holds_the_parents_data_and_no_one_elses_and_is_audited(app: Redress, tmp_path: Path) -> None:
    as_poster, in_summary, in_note, elsewhere = three_cases(app)
    request_id = receive(app, date(2026, 11, 20))
    out = tmp_path / "answer"
    out.mkdir()
    made = export_subject(app, HEAD, request_id, "written to a folder")
    written = write_export(made, out)
    assert sorted(p.name for p in written) == [f"subject-request-{request_id}.html", f"subject-request-{request_id}.json"]
    assert set(made.cases) == {as_poster, in_summary, in_note} and elsewhere not in made.cases
    for path in written:
        body = path.read_text()
        assert PARENT in body and PARENT_EMAIL in body
        for someone in (OTHER, "Otherparent", OTHER_EMAIL, PUPIL, "Sam Staff", SAM, "Tess Teacher", "Helen Head", HEAD):
            assert someone not in body, f"{someone} is in {path.name}"
        assert "[redacted: pupil]" in body and "[redacted: poster]" in body and "[redacted: member of staff]" in body
        assert path.stat().st_mode & 0o077 == 0
    data = json.loads(written[1].read_text() if written[1].suffix == ".json" else written[0].read_text())
    summaries = {c["case"]: c["summary"] for c in data["cases"]}
    assert (
        summaries[in_summary]
        == "[redacted: poster] shared a post by Jo Parent about [redacted: member of staff] and [redacted: pupil]"
    )
    assert made.redactions["pupil"] >= 2 and made.redactions["poster"] >= 2
    exported = sar_log(app, "sar_exported")
    assert len(exported) == 1 and exported[0].actor == HEAD and "3 case(s)" in exported[0].detail
    per_case = sar_log(app, "subject_export")
    assert sorted(e.case_id for e in per_case) == sorted((as_poster, in_summary, in_note))
    with pytest.raises(Refused, match="exists already"):
        write_export(made, out)
    checked = verify(app)  # the access log's new entries chain and sign like every other
    assert checked.ok, checked.problems


def test_the_daily_digest_names_requests_due_within_a_week_by_number_only(app: Redress) -> None:
    from datetime import UTC, datetime

    from engine.worker.digest import send_digest_if_due
    from store import OutboxMessage

    overdue = receive(app, date(2026, 10, 19))  # due Thursday 19 November
    soon = receive(app, date(2026, 10, 30))  # due Monday 30 November
    later = receive(app, date(2026, 11, 20))  # due 21 December: not yet
    app.clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    assert send_digest_if_due(app) == 1
    with app.db.reading() as session:
        digest = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "daily_digest")).one()
    for body in (digest.body_text, digest.body_html):
        assert f"Request {overdue}: " in body and f"Request {soon}: due Monday 30 November 2026" in body
        assert f"Request {later}:" not in body and PARENT not in body
    assert "OVERDUE, was due Thursday 19 November 2026" in digest.body_text
