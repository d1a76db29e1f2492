"""Reading cases on the command line under the web's rules: `--as` names the reader, and
`engine.rules.access` decides what they see (FULL: the case; MATTER: that it is dealt with, and by whom;
LOG: a line of the incident log; NONE: nothing, not even that it exists)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.context import Redress
from engine.errors import NotFound, Refused
from engine.queries.access import load_viewer
from engine.queries.cases import audit_trail, list_cases, show_case, verify_trail
from engine.queries.overview import case_access, matter_view, sights
from engine.rules.access import Sight, Viewer
from store import Person
from store.audit import Verification


def reader(app: Redress, email: str) -> Viewer:
    """The active person with this email; refused in one line for anyone else."""
    with app.db.reading() as session:
        person_id = session.scalar(select(Person.id).where(Person.email == email.strip().lower()))
        viewer = load_viewer(session, person_id, app.current_workflow(session).spec) if person_id is not None else None
    if viewer is None:
        raise Refused(f"nobody active in Redress has the email '{email}': --as names a person who may read cases")
    return viewer


def _at_least(app: Redress, viewer: Viewer, case_id: int, needed: Sight) -> Sight:
    _, sight = case_access(app, viewer, case_id)
    if sight is Sight.NONE:
        raise NotFound(f"there is no case {case_id}")
    if sight < needed:
        shown = "as a line of the incident log ('case list')" if sight is Sight.LOG else "only as a matter about them"
        raise Refused(f"{viewer.email} may see case #{case_id} {shown}, not in full")
    return sight


def case_for(app: Redress, viewer: Viewer, case_id: int) -> tuple[Sight, dict[str, Any]]:
    """The case as the viewer may see it: in full, or (the staff member concerned) as a matter."""
    sight = _at_least(app, viewer, case_id, Sight.MATTER)
    if sight is Sight.MATTER:
        return sight, matter_view(app, case_id)
    return sight, show_case(app, case_id, viewer.email)


def audit_for(app: Redress, viewer: Viewer, case_id: int, *, verify: bool = False) -> tuple[list[dict[str, Any]], Verification | None]:
    """The audit trail of a case the viewer sees in full."""
    _at_least(app, viewer, case_id, Sight.FULL)
    return audit_trail(app, case_id), verify_trail(app, case_id) if verify else None


def cases_for(app: Redress, viewer: Viewer, *, stage: str | None = None, status: str | None = None,
              overdue: bool = False) -> list[dict[str, Any]]:
    """The cases the viewer sees in full, as `list_cases` summarises them."""
    with app.db.reading() as session:
        full = {case_id for case_id, sight in sights(app, session, viewer).items() if sight is Sight.FULL}
    return [row for row in list_cases(app, stage=stage, status=status, overdue=overdue) if row["id"] in full]
