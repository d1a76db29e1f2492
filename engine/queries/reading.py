"""Reading cases on the command line under the web's rules: `--as` names the reader, and
`engine.rules.access` decides what they see (FULL: the case; MATTER: that it is dealt with, and by whom;
LOG: a line of the incident log; NONE: nothing, not even that it exists)."""

from __future__ import annotations

from sqlalchemy import select

from engine.context import Redress
from engine.errors import NotFound, Refused
from engine.queries.access import case_access, load_viewer
from engine.queries.case_rows import people
from engine.queries.cases import audit_trail, list_cases, show_case
from engine.queries.views import AuditTrail, CaseSummary, CaseView, MatterView
from engine.queries.visibility import full_sight
from engine.rules.access import Sight, Viewer
from store import Case, core_rows


def reader(app: Redress, email: str) -> Viewer:
    """The active person with this email; refused in one line for anyone else."""
    with app.db.reading() as session:
        person_id = core_rows(session, select(people.c.id).where(people.c.email == email.strip().lower())).scalar()
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


def case_for(app: Redress, viewer: Viewer, case_id: int) -> tuple[Sight, CaseView | MatterView]:
    """The case as the viewer may see it: in full, or (the staff member concerned) as a matter."""
    sight = _at_least(app, viewer, case_id, Sight.MATTER)
    if sight is Sight.MATTER:
        from engine.queries.overview import matter_view  # the lists' module: loaded only for a matter

        return sight, matter_view(app, case_id)
    return sight, show_case(app, case_id, viewer)


def audit_for(app: Redress, viewer: Viewer, case_id: int, *, verify: bool = False) -> AuditTrail:
    """The audit trail of a case the viewer sees in full."""
    _at_least(app, viewer, case_id, Sight.FULL)
    return audit_trail(app, case_id, verify=verify)


def cases_for(
    app: Redress, viewer: Viewer, *, stage: str | None = None, status: str | None = None, overdue: bool = False
) -> list[CaseSummary]:
    """The cases the viewer sees in full, as `list_cases` summarises them."""
    with app.db.reading() as session:
        seen = full_sight(app, session, viewer)
        full = None if seen is None else set(session.scalars(select(Case.id).where(seen)))
    return [row for row in list_cases(app, stage=stage, status=status, overdue=overdue) if full is None or row.id in full]
