"""The engine's face: the commands, queries, views and errors that entry points (the web app, the
command line) use. `web/` imports nothing of `engine` but this module (an import-linter contract holds it).

Names load on first use (PEP 562), so `redress --help` does not import the whole engine; type checkers
see ordinary imports.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.commands.auth import change_password, issue_password, sign_in
    from engine.commands.cases import OpenCase, open_case, take_action
    from engine.commands.outbox import ALL_FAILED, resend
    from engine.commands.people import add_person, deactivate, list_people, person_by_id, reactivate, set_roles
    from engine.commands.records import (
        MAX_EVIDENCE_BYTES,
        add_evidence_file,
        add_evidence_link,
        add_note,
        evidence_path,
        record_meeting,
    )
    from engine.commands.sessions import (
        Client,
        SessionState,
        end_session,
        open_session,
        session_state,
        session_viewer,
        sign_out_everywhere,
    )
    from engine.commands.sso import provider_named, record_refusal, sso_sign_in
    from engine.commands.two_factor import (
        confirm_enrolment,
        enrolment_uri,
        is_remembered,
        mark_session,
        new_secret,
        remember_browser,
        reset_two_factor,
        second_step,
    )
    from engine.context import Redress
    from engine.errors import BadInput, Conflict, NotAllowed, NotFound, RedressError, Refused
    from engine.queries.access import load_viewer
    from engine.queries.cases import audit_trail, show_case, verify_trail
    from engine.queries.outbox import OutboxLine, OutboxView, read_outbox
    from engine.queries.overview import case_access, dashboard, incident_log, matter_view, visible_cases
    from engine.queries.people import PeopleChange, WorkItem, open_work, people_changes, verify_people_changes
    from engine.queries.signins import AccessOverview, access_overview
    from engine.report.charts import report_charts
    from engine.report.monitoring import build_report
    from engine.rules.access import (
        CaseAccess,
        Sight,
        Viewer,
        case_status,
        may_keep_records,
        may_manage_people,
        may_open_case,
        may_read_log,
        may_read_people_changes,
        may_read_report,
        may_resend_email,
        may_take,
    )
    from engine.rules.clock import parse_instant
    from engine.rules.signin import REFUSED, two_factor_offered
    from engine.settings import Settings
    from engine.settings_signin import SignInProvider

_HOME: dict[str, str] = {
    "change_password": "engine.commands.auth",
    "issue_password": "engine.commands.auth",
    "sign_in": "engine.commands.auth",
    "open_case": "engine.commands.cases",
    "OpenCase": "engine.commands.cases",
    "take_action": "engine.commands.cases",
    "ALL_FAILED": "engine.commands.outbox",
    "resend": "engine.commands.outbox",
    "add_person": "engine.commands.people",
    "deactivate": "engine.commands.people",
    "list_people": "engine.commands.people",
    "person_by_id": "engine.commands.people",
    "reactivate": "engine.commands.people",
    "set_roles": "engine.commands.people",
    "add_evidence_file": "engine.commands.records",
    "add_evidence_link": "engine.commands.records",
    "add_note": "engine.commands.records",
    "evidence_path": "engine.commands.records",
    "MAX_EVIDENCE_BYTES": "engine.commands.records",
    "record_meeting": "engine.commands.records",
    "Client": "engine.commands.sessions",
    "end_session": "engine.commands.sessions",
    "open_session": "engine.commands.sessions",
    "session_state": "engine.commands.sessions",
    "session_viewer": "engine.commands.sessions",
    "SessionState": "engine.commands.sessions",
    "sign_out_everywhere": "engine.commands.sessions",
    "provider_named": "engine.commands.sso",
    "record_refusal": "engine.commands.sso",
    "sso_sign_in": "engine.commands.sso",
    "confirm_enrolment": "engine.commands.two_factor",
    "enrolment_uri": "engine.commands.two_factor",
    "is_remembered": "engine.commands.two_factor",
    "mark_session": "engine.commands.two_factor",
    "new_secret": "engine.commands.two_factor",
    "remember_browser": "engine.commands.two_factor",
    "reset_two_factor": "engine.commands.two_factor",
    "second_step": "engine.commands.two_factor",
    "Redress": "engine.context",
    "BadInput": "engine.errors",
    "Conflict": "engine.errors",
    "NotAllowed": "engine.errors",
    "NotFound": "engine.errors",
    "RedressError": "engine.errors",
    "Refused": "engine.errors",
    "load_viewer": "engine.queries.access",
    "audit_trail": "engine.queries.cases",
    "show_case": "engine.queries.cases",
    "verify_trail": "engine.queries.cases",
    "OutboxLine": "engine.queries.outbox",
    "OutboxView": "engine.queries.outbox",
    "read_outbox": "engine.queries.outbox",
    "case_access": "engine.queries.overview",
    "dashboard": "engine.queries.overview",
    "incident_log": "engine.queries.overview",
    "matter_view": "engine.queries.overview",
    "visible_cases": "engine.queries.overview",
    "open_work": "engine.queries.people",
    "people_changes": "engine.queries.people",
    "PeopleChange": "engine.queries.people",
    "verify_people_changes": "engine.queries.people",
    "WorkItem": "engine.queries.people",
    "access_overview": "engine.queries.signins",
    "AccessOverview": "engine.queries.signins",
    "report_charts": "engine.report.charts",
    "build_report": "engine.report.monitoring",
    "case_status": "engine.rules.access",
    "CaseAccess": "engine.rules.access",
    "may_keep_records": "engine.rules.access",
    "may_manage_people": "engine.rules.access",
    "may_open_case": "engine.rules.access",
    "may_read_log": "engine.rules.access",
    "may_read_people_changes": "engine.rules.access",
    "may_read_report": "engine.rules.access",
    "may_resend_email": "engine.rules.access",
    "may_take": "engine.rules.access",
    "Sight": "engine.rules.access",
    "Viewer": "engine.rules.access",
    "parse_instant": "engine.rules.clock",
    "REFUSED": "engine.rules.signin",
    "two_factor_offered": "engine.rules.signin",
    "Settings": "engine.settings",
    "SignInProvider": "engine.settings_signin",
}

__all__ = [  # noqa: RUF022 (grouped by module, as _HOME is)
    "change_password",
    "issue_password",
    "sign_in",
    "open_case",
    "OpenCase",
    "take_action",
    "ALL_FAILED",
    "resend",
    "add_person",
    "deactivate",
    "list_people",
    "person_by_id",
    "reactivate",
    "set_roles",
    "add_evidence_file",
    "add_evidence_link",
    "add_note",
    "evidence_path",
    "MAX_EVIDENCE_BYTES",
    "record_meeting",
    "Client",
    "end_session",
    "open_session",
    "session_state",
    "session_viewer",
    "SessionState",
    "sign_out_everywhere",
    "provider_named",
    "record_refusal",
    "sso_sign_in",
    "confirm_enrolment",
    "enrolment_uri",
    "is_remembered",
    "mark_session",
    "new_secret",
    "remember_browser",
    "reset_two_factor",
    "second_step",
    "Redress",
    "BadInput",
    "Conflict",
    "NotAllowed",
    "NotFound",
    "RedressError",
    "Refused",
    "load_viewer",
    "audit_trail",
    "show_case",
    "verify_trail",
    "OutboxLine",
    "OutboxView",
    "read_outbox",
    "case_access",
    "dashboard",
    "incident_log",
    "matter_view",
    "visible_cases",
    "open_work",
    "people_changes",
    "PeopleChange",
    "verify_people_changes",
    "WorkItem",
    "access_overview",
    "AccessOverview",
    "report_charts",
    "build_report",
    "case_status",
    "CaseAccess",
    "may_keep_records",
    "may_manage_people",
    "may_open_case",
    "may_read_log",
    "may_read_people_changes",
    "may_read_report",
    "may_resend_email",
    "may_take",
    "Sight",
    "Viewer",
    "parse_instant",
    "REFUSED",
    "two_factor_offered",
    "Settings",
    "SignInProvider",
]


def __getattr__(name: str) -> Any:
    """Load a face name from the module it lives in, once."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
