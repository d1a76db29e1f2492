"""What a case page shows, gathered from the engine's read side, and the access check in front of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine import (
    CaseAccess,
    NotFound,
    Redress,
    Sight,
    Viewer,
    audit_trail,
    case_access,
    case_status,
    list_people,
    may_keep_records,
    may_take,
    route,
    show_case,
    verify_trail,
)
from web.errors import Denied
from workflows import Action, TrackStart


def seen_case(app: Redress, viewer: Viewer, case_id: int, *, at_least: Sight = Sight.FULL) -> tuple[CaseAccess, Sight]:
    """The case's access facts, if the viewer may see at least this much of it: else 404 (they may not know
    it exists) or 403 (they know it exists: the log line, or a matter about them)."""
    facts, sight = case_access(app, viewer, case_id)
    if sight >= at_least:
        return facts, sight
    if case_status(sight) == 404:
        raise NotFound(f"there is no case {case_id}")
    raise Denied(f"case {case_id} is not yours to see in full")


def permitted_action(app: Redress, viewer: Viewer, case_id: int, action_name: str) -> tuple[CaseAccess, Sight, Action | TrackStart]:
    """The case (seen in full) and the action, if its workflow has it and the viewer may take it: else 404 or 403."""
    facts, sight = seen_case(app, viewer, case_id)
    found = route(app.compiled(facts.workflow_id).spec, action_name)  # the main procedure's, a track's, or a track's start
    if found is None:
        raise NotFound(f"the workflow of case {case_id} has no action '{action_name}'")
    action = found.action
    if not may_take(viewer, facts, action):
        raise Denied(f"'{action.title}' may be taken only by {', '.join(action.roles)}")
    return facts, sight, action


def _local(app: Redress, iso: str | None) -> str:
    return app.local(datetime.fromisoformat(iso)) if iso else ""


def case_context(app: Redress, viewer: Viewer, facts: CaseAccess, sight: Sight) -> dict[str, Any]:
    """Everything the full case page shows, for a viewer who may see it."""
    view = show_case(app, facts.id, viewer.email)
    spec = app.compiled(facts.workflow_id).spec
    names = {p.email: p.name for p in list_people(app)}
    for item in view["deadlines"]:
        item["due_local"] = _local(app, item["due_at"])
    for item in view["evidence"]:
        item["added_local"] = _local(app, item["added_at"])
    for item in view["notes"]:
        item["created_local"] = _local(app, item["created_at"])
    return {
        "case": view,
        "stage": spec.stages[view["stage"]],
        "categories": [(c, spec.categories[c].label) for c in view["categories"] if c in spec.categories],
        "staff": [(email, names.get(email, email)) for email in view["staff_concerned"]],
        "opened_local": _local(app, view["opened_at"]),
        "trail": audit_trail(app, facts.id),
        "verification": verify_trail(app, facts.id),
        "keeper": may_keep_records(viewer, sight),
        "names": names,
        "form_errors": {},
        "form_values": {},
    }
