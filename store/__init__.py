"""Persistence with SQLAlchemy 2.x: tables, the unit of work, the audit chain and migrations.

This package imports nothing from the engine.
"""

from . import school_trail
from .db import Database, normalise_url
from .models import (
    AuditEvent,
    Base,
    Case,
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
    Timer,
    WebSession,
    WorkflowVersion,
    table_of,
)

__all__ = [
    "AuditEvent", "Base", "Case", "Database", "Evidence", "Meeting", "Note", "OutboxMessage", "Party",
    "Person", "RecoveryCode", "RememberedBrowser", "SchoolEvent", "SignIn", "Timer", "WebSession", "WorkflowVersion", "normalise_url", "school_trail", "table_of",
]
