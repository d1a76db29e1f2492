"""Notifications: render the school's emails and letters from templates, and send the outbox.

The engine decides whether and whom to notify and writes outbox rows in its own
transaction; this package only renders (`render`), builds messages (`mail`), sends the
outbox (`dispatch`) and catches mail locally for development (`mailbox`).
"""

from .errors import AddressError, NotificationError, TemplateError
from .render import LETTER_KINDS, Letter, Rendered, TemplateRenderer, sample_context

__all__ = [
    "LETTER_KINDS",
    "AddressError",
    "Letter",
    "NotificationError",
    "Rendered",
    "TemplateError",
    "TemplateRenderer",
    "sample_context",
]
