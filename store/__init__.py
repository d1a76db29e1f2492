"""Persistence with SQLAlchemy 2.x: tables, the unit of work, the audit chain and migrations.

This package imports nothing from the engine.
"""

from . import integrity, school_trail
from .db import Database, normalise_url
from .models import (
    AccessEntry,
    AuditEvent,
    Base,
    Case,
    CaseLink,
    CaseTrack,
    Checkpoint,
    ErasureCertificate,
    Evidence,
    Meeting,
    Note,
    OutboxMessage,
    Party,
    Person,
    RecoveryCode,
    RememberedBrowser,
    SchoolEvent,
    SignIn,
    StaffReport,
    Timer,
    VerificationRun,
    WebSession,
    WorkflowVersion,
    table_of,
)

__all__ = [
    "AccessEntry",
    "AuditEvent",
    "Base",
    "Case",
    "CaseLink",
    "CaseTrack",
    "Checkpoint",
    "Database",
    "ErasureCertificate",
    "Evidence",
    "Meeting",
    "Note",
    "OutboxMessage",
    "Party",
    "Person",
    "RecoveryCode",
    "RememberedBrowser",
    "SchoolEvent",
    "SignIn",
    "StaffReport",
    "Timer",
    "VerificationRun",
    "WebSession",
    "WorkflowVersion",
    "integrity",
    "normalise_url",
    "school_trail",
    "table_of",
]
