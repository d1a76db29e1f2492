"""Notifications: render the school's emails and letters from templates, and send the outbox.

The engine decides whether and whom to notify and writes outbox rows in its own
transaction; this package only renders (`render`), checks addresses (`address`), builds
messages (`mail`), keeps the outbox rows (`outbox`: claim, record, `retry`), sends the
outbox (`dispatch`) and catches mail locally for development (`mailbox`).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .address import check_address
from .errors import AddressError, NotificationError, TemplateError

if TYPE_CHECKING:
    from .render import LETTER_KINDS, Letter, Rendered, TemplateRenderer, sample_context

_RENDER = frozenset({"LETTER_KINDS", "Letter", "Rendered", "TemplateRenderer", "sample_context"})
"""Loaded from `render` (and Jinja) when first asked for: checking an address, as every input rule may, needs
neither (`redress case show` imports the input rules, and renders nothing)."""


def __getattr__(name: str) -> Any:
    if name not in _RENDER:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(".render", __name__), name)
    globals()[name] = value
    return value


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
