"""The notification package's errors, each with a message a person can act on.

    NotificationError
    ├── TemplateError   a template is missing, malformed, unsafe, or uses a value the context lacks
    └── AddressError    a recipient or sender is not one valid email address

This package imports nothing from the engine: the engine translates these at its edge.
"""

from __future__ import annotations


class NotificationError(Exception):
    """Base of this package's errors."""


class TemplateError(NotificationError):
    """A template could not be rendered. `template` and `line` say where, when known."""

    def __init__(self, message: str, *, template: str | None = None, line: int | None = None):
        where = template or ""
        if template and line:
            where = f"{template}, line {line}"
        super().__init__(f"template {where}: {message}" if where else message)
        self.template = template
        self.line = line


class AddressError(NotificationError):
    """An email address that cannot be used in a header: malformed, several at once, or with line breaks."""
