"""A demo school for `make run`: a person for every role with a random password (printed once),
and a few cases at different stages, made through the same commands a person would use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from engine.commands.auth import new_password, set_password
from engine.commands.cases import OpenCase, open_case, take_action
from engine.commands.people import add_person
from engine.commands.records import add_evidence_link, add_note
from engine.context import Redress
from store import Person

DOMAIN = "demo-school.example"
PEOPLE = [
    ("Helen Head", "head", ["headteacher"]),
    ("Charles Chair", "chair", ["chair"]),
    ("Cora Coordinator", "coordinator", ["coordinator"]),
    ("Esme Equalities", "equalities", ["equalities_manager"]),
    ("Sam Staff", "sam", ["staff"]),
    ("Tess Teacher", "tess", ["staff"]),
]


@dataclass(frozen=True)
class Login:
    name: str
    email: str
    roles: tuple[str, ...]
    password: str


def has_people(app: Redress) -> bool:
    with app.db.reading() as session:
        return bool(session.scalar(select(func.count()).select_from(Person)))


def seed(app: Redress) -> list[Login]:
    """Add the demo people and cases; only into a database with nobody in it (returns [] otherwise)."""
    if has_people(app):
        return []
    logins = []
    for name, local, roles in PEOPLE:
        email, password = f"{local}@{DOMAIN}", new_password()
        add_person(app, name, email, roles)
        set_password(app, email, password, actor="demo")
        logins.append(Login(name, email, tuple(roles), password))
    _cases(app)
    return logins


def _email(local: str) -> str:
    return f"{local}@{DOMAIN}"


def _cases(app: Redress) -> None:
    head, coordinator, sam, tess = _email("head"), _email("coordinator"), _email("sam"), _email("tess")
    today = app.clock.now().astimezone(app.zone).date()
    post = "https://social.example/groups/parents/posts/"

    open_case(
        app,
        coordinator,
        OpenCase(
            ["staff_offensive"],
            "A parent called Mr Staff 'useless' in the parents' Facebook group.",
            staff=[sam],
            platform="Facebook",
            link=post + "101",
        ),
    )

    gathering = open_case(
        app,
        head,
        OpenCase(
            ["school_complaint"],
            "A complaint about the new uniform policy posted on a public page.",
            platform="Facebook",
            posters=[("A parent", "via the school office")],
        ),
    )
    take_action(app, gathering, "acknowledge", head, {"staff_reassured": "yes"})
    add_evidence_link(app, gathering, head, post + "102", "The original post and its comments")

    meeting = open_case(
        app,
        head,
        OpenCase(
            ["staff_allegation"],
            "An allegation about Ms Teacher shared in a WhatsApp group.",
            staff=[tess],
            platform="WhatsApp",
            posters=[("J. Parent", "j.parent@mail.example")],
        ),
    )
    take_action(app, meeting, "acknowledge", head, {"staff_reassured": "yes"})
    add_evidence_link(app, meeting, head, post + "103", "Screenshot sent by a colleague, saved as a link")
    take_action(
        app, meeting, "arrange_meeting", head, {"meeting_date": (today + timedelta(days=7)).isoformat(), "invited_by": "letter"}
    )

    chair = open_case(
        app,
        head,
        OpenCase(
            ["staff_defamation"],
            "Repeated defamatory posts about Mr Staff after a meeting.",
            staff=[sam],
            platform="X",
            posters=[("K. Poster", "k.poster@mail.example")],
        ),
    )
    take_action(app, chair, "acknowledge", head, {"staff_reassured": "yes"})
    add_note(app, chair, head, "The parent refused to meet and posted again the same evening.")
    take_action(app, chair, "escalate_to_chair", head, {"reason": "The parent refuses to meet and keeps posting."})

    open_case(
        app,
        coordinator,
        OpenCase(
            ["racist_or_homophobic", "pupil_offensive"],
            "A homophobic comment about a pupil under a post on the school's page.",
            staff=[tess],
            pupils=["Y8-AB"],
            platform="Instagram",
        ),
    )

    redirected = open_case(
        app,
        head,
        OpenCase(
            ["school_complaint"], "A complaint about lunchtime supervision posted on a local forum.", platform="Local forum"
        ),
    )
    take_action(
        app, redirected, "redirect_to_complaints", head, {"reason": "The parent agreed to use the complaints procedure instead."}
    )
