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
    from engine.commands.people import add_person, list_people, person_by_id, set_roles
    from engine.commands.records import (
        MAX_EVIDENCE_BYTES,
        add_evidence_file,
        add_evidence_link,
        add_note,
        evidence_path,
        record_meeting,
    )
    from engine.context import Redress
    from engine.errors import BadInput, Conflict, NotFound, RedressError, Refused
    from engine.queries.access import load_viewer
    from engine.queries.cases import audit_trail, list_cases, show_case, verify_trail
    from engine.queries.overview import MAX_PAGE, PAGE, case_access, dashboard, incident_log, matter_view, outbox, visible_cases
    from engine.queries.page import case_page
    from engine.queries.present import as_json
    from engine.queries.views import (
        ActionView,
        Activity,
        AuditTrail,
        CaseList,
        CasePage,
        CaseRead,
        CaseSummary,
        CaseView,
        ChainCheck,
        Dashboard,
        DeadlineItem,
        DueItem,
        Event,
        EvidenceItem,
        FailedMessage,
        FieldView,
        Handler,
        IncidentLog,
        LogEntry,
        MatterView,
        MeetingItem,
        NoteItem,
        OutboxView,
        Poster,
    )
    from engine.report.charts import horizontal_bars, vertical_bars
    from engine.report.monitoring import build_report
    from engine.rules.access import (
        CaseAccess,
        Sight,
        Viewer,
        case_status,
        may_keep_records,
        may_manage_outbox,
        may_manage_people,
        may_open_case,
        may_read_log,
        may_read_report,
        may_take,
    )
    from engine.rules.clock import parse_instant
    from engine.settings import Settings

_HOME: dict[str, str] = {
    "change_password": "engine.commands.auth",
    "issue_password": "engine.commands.auth",
    "sign_in": "engine.commands.auth",
    "open_case": "engine.commands.cases",
    "OpenCase": "engine.commands.cases",
    "take_action": "engine.commands.cases",
    "add_person": "engine.commands.people",
    "list_people": "engine.commands.people",
    "person_by_id": "engine.commands.people",
    "set_roles": "engine.commands.people",
    "add_evidence_file": "engine.commands.records",
    "add_evidence_link": "engine.commands.records",
    "add_note": "engine.commands.records",
    "evidence_path": "engine.commands.records",
    "MAX_EVIDENCE_BYTES": "engine.commands.records",
    "record_meeting": "engine.commands.records",
    "Redress": "engine.context",
    "BadInput": "engine.errors",
    "Conflict": "engine.errors",
    "NotFound": "engine.errors",
    "RedressError": "engine.errors",
    "Refused": "engine.errors",
    "load_viewer": "engine.queries.access",
    "audit_trail": "engine.queries.cases",
    "list_cases": "engine.queries.cases",
    "show_case": "engine.queries.cases",
    "verify_trail": "engine.queries.cases",
    "case_access": "engine.queries.overview",
    "dashboard": "engine.queries.overview",
    "incident_log": "engine.queries.overview",
    "matter_view": "engine.queries.overview",
    "outbox": "engine.queries.overview",
    "visible_cases": "engine.queries.overview",
    "MAX_PAGE": "engine.queries.overview",
    "PAGE": "engine.queries.overview",
    "case_page": "engine.queries.page",
    "as_json": "engine.queries.present",
    "ActionView": "engine.queries.views",
    "Activity": "engine.queries.views",
    "AuditTrail": "engine.queries.views",
    "CaseList": "engine.queries.views",
    "CasePage": "engine.queries.views",
    "CaseRead": "engine.queries.views",
    "CaseSummary": "engine.queries.views",
    "CaseView": "engine.queries.views",
    "ChainCheck": "engine.queries.views",
    "Dashboard": "engine.queries.views",
    "DeadlineItem": "engine.queries.views",
    "DueItem": "engine.queries.views",
    "EvidenceItem": "engine.queries.views",
    "Event": "engine.queries.views",
    "FailedMessage": "engine.queries.views",
    "FieldView": "engine.queries.views",
    "Handler": "engine.queries.views",
    "IncidentLog": "engine.queries.views",
    "LogEntry": "engine.queries.views",
    "MatterView": "engine.queries.views",
    "MeetingItem": "engine.queries.views",
    "NoteItem": "engine.queries.views",
    "OutboxView": "engine.queries.views",
    "Poster": "engine.queries.views",
    "horizontal_bars": "engine.report.charts",
    "vertical_bars": "engine.report.charts",
    "build_report": "engine.report.monitoring",
    "case_status": "engine.rules.access",
    "CaseAccess": "engine.rules.access",
    "may_keep_records": "engine.rules.access",
    "may_manage_outbox": "engine.rules.access",
    "may_manage_people": "engine.rules.access",
    "may_open_case": "engine.rules.access",
    "may_read_log": "engine.rules.access",
    "may_read_report": "engine.rules.access",
    "may_take": "engine.rules.access",
    "Sight": "engine.rules.access",
    "Viewer": "engine.rules.access",
    "parse_instant": "engine.rules.clock",
    "Settings": "engine.settings",
}

__all__ = [  # noqa: RUF022 (grouped as _HOME is)
    "change_password",
    "issue_password",
    "sign_in",
    "open_case",
    "OpenCase",
    "take_action",
    "add_person",
    "list_people",
    "person_by_id",
    "set_roles",
    "add_evidence_file",
    "add_evidence_link",
    "add_note",
    "evidence_path",
    "MAX_EVIDENCE_BYTES",
    "record_meeting",
    "Redress",
    "BadInput",
    "Conflict",
    "NotFound",
    "RedressError",
    "Refused",
    "load_viewer",
    "audit_trail",
    "list_cases",
    "show_case",
    "verify_trail",
    "case_access",
    "dashboard",
    "incident_log",
    "matter_view",
    "outbox",
    "visible_cases",
    "MAX_PAGE",
    "PAGE",
    "case_page",
    "as_json",
    "ActionView",
    "Activity",
    "AuditTrail",
    "CaseList",
    "CasePage",
    "CaseRead",
    "CaseSummary",
    "CaseView",
    "ChainCheck",
    "Dashboard",
    "DeadlineItem",
    "DueItem",
    "EvidenceItem",
    "Event",
    "FailedMessage",
    "FieldView",
    "Handler",
    "IncidentLog",
    "LogEntry",
    "MatterView",
    "MeetingItem",
    "NoteItem",
    "OutboxView",
    "Poster",
    "horizontal_bars",
    "vertical_bars",
    "build_report",
    "case_status",
    "CaseAccess",
    "may_keep_records",
    "may_manage_outbox",
    "may_manage_people",
    "may_open_case",
    "may_read_log",
    "may_read_report",
    "may_take",
    "Sight",
    "Viewer",
    "parse_instant",
    "Settings",
]


def __getattr__(name: str) -> Any:
    """Load a face name from the module it lives in, once."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
