"""Every role x every route x their own and others' cases: the exact status code each gets.

The expectations are written out by hand, not computed from engine.access, so a change to the
rules shows up here as a changed table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.commands.staff_reports import submit_report
from engine.context import Redress
from store import Person
from tests.conftest import CHAIR, COORDINATOR, EQUALITIES, HEAD, SAM, TESS
from tests.web import school
from tests.web.conftest import SENIOR

ANON = None
PEOPLE = {
    "headteacher": HEAD,
    "senior team": SENIOR,
    "chair": CHAIR,
    "coordinator": COORDINATOR,
    "equalities": EQUALITIES,
    "staff concerned": SAM,
    "other staff": TESS,
    "nobody": ANON,
}
CASES = ("logged", "escalated", "prejudice", "other", "missing")

# How much each person sees of each case: F full, M a matter about them, L a log line, N nothing.
SIGHT = {
    #                  logged escalated prejudice other missing
    "headteacher": "F      F         F         F     N",
    "senior team": "F      F         F         F     N",
    "chair": "N      F         N         N     N",
    "coordinator": "F      L         L         L     N",
    "equalities": "N      N         F         N     N",
    "staff concerned": "M      M         N         N     N",
    "other staff": "N      N         N         N     N",
}
# The status of each case route for each sight; the sighted page that is not theirs is 403, unseen 404.
CASE_ROUTES: dict[str, dict[str, int]] = {
    "GET /cases/{id}": {"F": 200, "M": 200, "L": 403, "N": 404},
    "GET /api/cases/{id}": {"F": 200, "M": 200, "L": 403, "N": 404},
    "GET /api/cases/{id}/audit": {"F": 200, "M": 403, "L": 403, "N": 404},
    "GET /cases/{id}/evidence/{file}": {"F": 200, "M": 403, "L": 403, "N": 404},
    "POST /cases/{id}/notes": {"F": 303, "M": 403, "L": 403, "N": 404},
    "POST /api/cases/{id}/notes": {"F": 201, "M": 403, "L": 403, "N": 404},
    "POST /cases/{id}/links": {"F": 303, "M": 403, "L": 403, "N": 404},
    "POST /cases/{id}/actions/refer_to_authorities": {"F": 303, "M": 403, "L": 403, "N": 404},
    "POST /api/cases/{id}/actions/refer_to_authorities": {"F": 422, "M": 403, "L": 403, "N": 404},
    # Giving a case an owner (the headteacher, here): those who see every case (see ASSIGNERS).
    "POST /cases/{id}/owner": {"F": 303, "M": 403, "L": 403, "N": 404},
    "POST /api/cases/{id}/owner": {"F": 200, "M": 403, "L": 403, "N": 404},
}
# A form posted by nobody signed in fails its CSRF check (403) before anything else.
# Who may keep records or take the action, among those who see a case in full.
NOT_A_KEEPER = {"equalities"}
NOT_HEADTEACHER = {"chair", "coordinator", "equalities"}
ASSIGNERS = {"headteacher", "senior team"}

SCHOOL_ROUTES: dict[str, dict[str, int]] = {
    #                       head  senior chair coord equal staff other nobody
    "GET /": dict(zip(PEOPLE, (200, 200, 200, 200, 200, 200, 200, 303), strict=True)),
    "GET /workflow": dict(zip(PEOPLE, (200, 200, 200, 200, 200, 200, 200, 303), strict=True)),
    "GET /cases/new": dict(zip(PEOPLE, (200, 200, 403, 200, 403, 403, 403, 303), strict=True)),
    "GET /log": dict(zip(PEOPLE, (200, 403, 403, 200, 403, 403, 403, 303), strict=True)),
    "GET /report": dict(zip(PEOPLE, (200, 403, 200, 200, 403, 403, 403, 303), strict=True)),
    "GET /people": dict(zip(PEOPLE, (200, 403, 403, 403, 403, 403, 403, 303), strict=True)),
    "GET /people/changes": dict(zip(PEOPLE, (200, 403, 200, 403, 403, 403, 403, 303), strict=True)),
    "GET /outbox": dict(zip(PEOPLE, (200, 403, 403, 200, 403, 403, 403, 303), strict=True)),
    "GET /account/password": dict(zip(PEOPLE, (200, 200, 200, 200, 200, 200, 200, 303), strict=True)),
    "GET /api/me": dict(zip(PEOPLE, (200, 200, 200, 200, 200, 200, 200, 401), strict=True)),
    "GET /api/cases": dict(zip(PEOPLE, (200, 200, 200, 200, 200, 200, 200, 401), strict=True)),
    "GET /api/log": dict(zip(PEOPLE, (200, 403, 403, 200, 403, 403, 403, 401), strict=True)),
    "GET /api/report": dict(zip(PEOPLE, (200, 403, 200, 200, 403, 403, 403, 401), strict=True)),
    "GET /api/people": dict(zip(PEOPLE, (200, 403, 403, 403, 403, 403, 403, 401), strict=True)),
    "GET /api/outbox": dict(zip(PEOPLE, (200, 403, 403, 200, 403, 403, 403, 401), strict=True)),
    "POST /cases": dict(zip(PEOPLE, (303, 303, 403, 303, 403, 403, 403, 403), strict=True)),
    "POST /api/cases": dict(zip(PEOPLE, (201, 201, 403, 201, 403, 403, 403, 401), strict=True)),
    "POST /people": dict(zip(PEOPLE, (303, 403, 403, 403, 403, 403, 403, 403), strict=True)),
    # The first post of a change asks for confirmation (200); only the headteacher gets that far.
    "POST /people/{tess}/roles": dict(zip(PEOPLE, (200, 403, 403, 403, 403, 403, 403, 403), strict=True)),
    "POST /people/{tess}/password": dict(zip(PEOPLE, (200, 403, 403, 403, 403, 403, 403, 403), strict=True)),
    "POST /people/{tess}/deactivate": dict(zip(PEOPLE, (200, 403, 403, 403, 403, 403, 403, 403), strict=True)),
    "POST /people/{tess}/reactivate": dict(zip(PEOPLE, (200, 403, 403, 403, 403, 403, 403, 403), strict=True)),
    # The certificates of erasure: the holders of erase_records (the headteacher) alone.
    "GET /erasures": dict(zip(PEOPLE, (200, 403, 403, 403, 403, 403, 403, 303), strict=True)),
    "POST /outbox/retry": dict(zip(PEOPLE, (303, 403, 403, 303, 403, 403, 403, 403), strict=True)),
    # Sign-in and access (the holders of manage_people); the second step's own pages (anyone signed in).
    "GET /access": dict(zip(PEOPLE, (200, 403, 403, 403, 403, 403, 403, 303), strict=True)),
    "POST /access/{tess}/reset-two-factor": dict(zip(PEOPLE, (200, 403, 403, 403, 403, 403, 403, 403), strict=True)),
    "GET /two-factor": dict(zip(PEOPLE, (200, 200, 200, 200, 200, 200, 200, 303), strict=True)),
    "GET /two-factor/enrol": dict(zip(PEOPLE, (200, 200, 200, 200, 200, 200, 200, 303), strict=True)),
    "POST /two-factor": dict(zip(PEOPLE, (422, 422, 422, 422, 422, 422, 422, 403), strict=True)),  # no code in the form
    # Reports from staff: anyone signed in reports a post about themselves; the holders of triage_reports read
    # them and decide (a decline with no reason is refused: post/redirect/get back to the list, 303).
    "GET /reports/new": dict(zip(PEOPLE, (200, 200, 200, 200, 200, 200, 200, 303), strict=True)),
    "POST /reports/new": dict(zip(PEOPLE, (303, 303, 303, 303, 303, 303, 303, 403), strict=True)),
    "GET /reports": dict(zip(PEOPLE, (200, 200, 403, 200, 403, 403, 403, 303), strict=True)),
    "GET /reports/{report}/open": dict(zip(PEOPLE, (200, 200, 403, 200, 403, 403, 403, 303), strict=True)),
    "POST /reports/{report}/decline": dict(zip(PEOPLE, (303, 303, 403, 303, 403, 403, 403, 403), strict=True)),
    # Subject access (the holders of answer_subject_requests: the headteacher); a form with none of its fields is
    # refused to the headteacher (303, post/redirect/get), and to everyone else for who they are (403).
    "GET /subject-requests": dict(zip(PEOPLE, (200, 403, 403, 403, 403, 403, 403, 303), strict=True)),
    "POST /subject-requests": dict(zip(PEOPLE, (303, 403, 403, 403, 403, 403, 403, 403), strict=True)),
    "POST /subject-requests/find": dict(zip(PEOPLE, (303, 403, 403, 403, 403, 403, 403, 403), strict=True)),
    "GET /subject-requests/1": dict(zip(PEOPLE, (404, 403, 403, 403, 403, 403, 403, 303), strict=True)),
    # The annual review: read by the headteacher, chair and coordinator (and the nominated director); answered
    # and signed by its three reviewers (a sign-off before every point is answered is refused on the page: 303).
    "GET /review": dict(zip(PEOPLE, (200, 403, 200, 200, 403, 403, 403, 303), strict=True)),
    "GET /review/2026/annual-review.html": dict(zip(PEOPLE, (200, 403, 200, 200, 403, 403, 403, 303), strict=True)),
    "POST /review/2026/answers": dict(zip(PEOPLE, (303, 403, 403, 303, 403, 403, 403, 403), strict=True)),
    "POST /review/2026/sign": dict(zip(PEOPLE, (303, 403, 403, 303, 403, 403, 403, 403), strict=True)),
    # Last: it signs the person out.
    "POST /account/sign-out-everywhere": dict(zip(PEOPLE, (303, 303, 303, 303, 303, 303, 303, 403), strict=True)),
}


def person_id(app: Redress, email: str) -> int:
    with app.db.reading() as session:
        return int(session.scalars(select(Person.id).where(Person.email == email)).one())


def expected_for_case(role: str, sight: str, route: str) -> int:
    status = CASE_ROUTES[route][sight]
    if sight == "F" and ("/notes" in route or "/links" in route):
        return 403 if role in NOT_A_KEEPER else status
    if sight == "F" and "/owner" in route:
        return status if role in ASSIGNERS else 403
    if sight == "F" and "actions" in route:
        return 403 if role in NOT_HEADTEACHER else status
    return status


def call(browser: Any, route: str, case_id: int = 0, file_id: int = 0, tess: int = 0, report: int = 0) -> int:
    method, path = route.split(" ", 1)
    url = (
        path.replace("{id}", str(case_id))
        .replace("{file}", str(file_id))
        .replace("{tess}", str(tess))
        .replace("{report}", str(report))
    )
    if method == "GET":
        return int(browser.get(url).status_code)
    if url.startswith("/api/"):
        body = {"text": "a note"} if url.endswith("/notes") else {"owner": HEAD} if url.endswith("/owner") else {}
        if url == "/api/cases":
            body = {"categories": ["school_complaint"], "summary": "From the API"}
        return int(browser.api("POST", url, body).status_code)
    form = (
        {"text": "a note", "url": "https://example.org/post", "owner": HEAD}
        if not url.startswith("/people")
        else {"name": "", "email": ""}
    )
    return int(browser.post(url, form).status_code)


def test_every_role_gets_exactly_its_status_on_every_route(app: Redress, senior: str, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    report = submit_report(app, TESS, "A post about me")
    ids = {"logged": made.logged, "escalated": made.escalated, "prejudice": made.prejudice, "other": made.other, "missing": 9999}
    tess = person_id(app, TESS)
    wrong = []
    for role, email in PEOPLE.items():
        person = browser(email)
        if email is not None:
            for case, sight in zip(CASES, SIGHT[role].split(), strict=True):
                file_id = made.files.get(ids[case], 1)
                for route in CASE_ROUTES:
                    want, got = expected_for_case(role, sight, route), call(person, route, ids[case], file_id)
                    if want != got:
                        wrong.append(f"{role} {route} on the {case} case: {got}, expected {want}")
        for route, statuses in SCHOOL_ROUTES.items():
            got = call(person, route, tess=tess, report=report)
            if got != statuses[role]:
                wrong.append(f"{role} {route}: {got}, expected {statuses[role]}")
    assert not wrong, "\n".join(wrong)


def test_nobody_signed_in_is_sent_to_sign_in_for_every_case_route(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    anonymous = browser()
    for route in CASE_ROUTES:
        status = call(anonymous, route, made.logged, made.files[made.logged])
        api = route.split(" ", 1)[1].startswith("/api/")
        assert status == (401 if api else 303 if route.startswith("GET") else 403), route


def test_evidence_of_one_case_cannot_be_fetched_through_another(app: Redress, browser) -> None:  # type: ignore[no-untyped-def]
    made = school.build(app)
    coordinator = browser(COORDINATOR)
    assert coordinator.get(f"/cases/{made.logged}/evidence/{made.files[made.logged]}").status_code == 200
    assert coordinator.get(f"/cases/{made.logged}/evidence/{made.files[made.other]}").status_code == 404
