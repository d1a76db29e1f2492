"""Persistence with SQLAlchemy 2.x: tables, the unit of work, the audit chain and migrations.

This package imports nothing from the engine.
"""

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
    SignIn,
    Timer,
    WorkflowVersion,
    table_of,
)

__all__ = [
    "AuditEvent", "Base", "Case", "Database", "Evidence", "Meeting", "Note", "OutboxMessage", "Party",
    "Person", "SignIn", "Timer", "WorkflowVersion", "normalise_url", "table_of",
]
