"""Notifications: render the school's emails and letters from templates, and send the outbox.

The engine decides whether and whom to notify and writes outbox rows in its own
transaction; this package only renders (`render`), checks addresses (`address`), builds
messages (`mail`), keeps the outbox rows (`outbox`: claim, record, `retry`), sends the
outbox (`dispatch`) and catches mail locally for development (`mailbox`).
"""

from .address import check_address
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
    "check_address",
    "sample_context",
]
