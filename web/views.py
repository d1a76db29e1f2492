"""What a case page shows, gathered from the engine's read side, and the access check in front of it."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from engine import (
    CaseAccess,
    CasePage,
    CaseRead,
    NotFound,
    Redress,
    Sight,
    Viewer,
    case_access,
    case_status,
    may_take,
    role_labels,
    route,
)
from web.errors import Denied, TwoFactorPending
from web.session import accept_viewer
from workflows import Action, TrackStart


def refuse(case_id: int, sight: Sight) -> Exception:
    """404 when the viewer may not know the case exists; 403 when they know (the log line, a matter)."""
    if case_status(sight) == 404:
        return NotFound(f"there is no case {case_id}")
    return Denied(f"case {case_id} is not yours to see in full")


def accept_read(request: Request, read: CaseRead, *, at_least: Sight = Sight.FULL) -> Viewer:
    """The viewer of a `case_page` read, if they may see at least this much of the case: else the second step
    of sign-in (when the session still owes it), sign-in, 404 or 403."""
    if read.pending:
        raise TwoFactorPending(read.pending)
    viewer = accept_viewer(request, read.viewer)
    if read.sight < at_least:
        raise refuse(read.case_id, read.sight)
    return viewer


def seen_case(app: Redress, viewer: Viewer, case_id: int, *, at_least: Sight = Sight.FULL) -> tuple[CaseAccess, Sight]:
    """The case's access facts, if the viewer may see at least this much of it: else 404 or 403."""
    facts, sight = case_access(app, viewer, case_id)
    if sight >= at_least:
        return facts, sight
    raise refuse(case_id, sight)


def permitted_action(
    app: Redress, viewer: Viewer, case_id: int, action_name: str
) -> tuple[CaseAccess, Sight, Action | TrackStart]:
    """The case (seen in full) and the action, if its workflow has it and the viewer may take it: else 404 or 403."""
    facts, sight = seen_case(app, viewer, case_id)
    spec = app.compiled(facts.workflow_id).spec
    found = route(spec, action_name)  # the main procedure's, a track's, or a track's start
    if found is None:
        raise NotFound(f"the workflow of case {case_id} has no action '{action_name}'")
    action = found.action
    if not may_take(viewer, facts, action):
        raise Denied(f"'{action.title}' may be taken only by the {role_labels(spec, action.roles)}")
    return facts, sight, action


STORY = 4
"""How many of the latest chronology entries the case page leads with ('the story so far')."""


def case_context(page: CasePage) -> dict[str, Any]:
    """The template context of the full case page; times stay datetimes until the template's `local` shows them."""
    case = page.case
    return {
        "case": case,
        "stage_description": page.stage_description,
        "categories": page.category_labels,
        "staff": [(email, page.names.get(email, email)) for email in case.staff_concerned],
        "trail": page.trail,
        "verification": page.verification,
        "keeper": page.keeper,
        "names": page.names,
        "chronology": page.chronology,
        "story": page.chronology[-STORY:],
        "next_step": next((a for a in case.actions if a.primary), None),
        "other_actions": [a for a in case.actions if not a.primary],
        "corrector": page.corrector and not case.closed_at,
        "may_reopen": page.may_reopen,
        "reopen_to": page.reopen_to,
        "all_categories": page.all_categories,
        "links": page.links,
        "owner_choices": page.owner_choices,
        "letters": page.letters,
        "may_erase": page.may_erase,
        "may_hold": page.may_hold,
        "form_errors": {},
        "form_values": {},
    }
