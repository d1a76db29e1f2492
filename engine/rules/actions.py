"""The rules of a case, as plain code a unit test runs with no database.

May this person take this action now? Are the fields right? Which notifications apply?
Each refusal says what to do.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any, Protocol

from engine.errors import BadInput, Conflict, Refused
from engine.rules import inputs
from workflows import GUARDS, Action, ActionField, CaseFacts, FieldType, Notification, Track, TrackStart, Workflow
from workflows.reader import did_you_mean

_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def _names(items: Collection[str]) -> str:
    return ", ".join(f"'{i}'" for i in items) or "none"


class CaseState(Protocol):
    """What `check_open` reads of a case: the stored row, or any value with these attributes."""

    @property
    def id(self) -> int: ...
    @property
    def stage(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def closed_at(self) -> datetime | None: ...
    @property
    def outcome(self) -> str | None: ...


def check_open(case: CaseState, expected_version: int | None) -> None:
    """The case is still open and, when the person acted on a version they saw, still at that version."""
    if case.closed_at is not None:
        raise Refused(f"case {case.id} is closed ({case.outcome}): nothing more can be done on it")
    if expected_version is not None and expected_version != case.version:
        raise Conflict(f"case {case.id} changed since you looked (now version {case.version}, at '{case.stage}'): look at it again")


def check_action(spec: Workflow | Track, stage: str, action_name: str, actor_roles: Collection[str]) -> Action:
    """The action, if it exists, can be taken from `stage`, and one of `actor_roles` may take it.
    `spec` is the main procedure, or the track the action belongs to (and `stage` that track's)."""
    action = spec.actions.get(action_name)
    if action is None:
        raise Refused(f"there is no action '{action_name}'{did_you_mean(action_name, spec.actions)}; "
                      f"from '{stage}' you can take: {_names(spec.actions_from(stage))}")
    if stage not in spec.sources(action_name):
        raise Refused(f"'{action_name}' cannot be taken while the case is at '{stage}' "
                      f"({spec.stages[stage].title}); from there you can take: {_names(spec.actions_from(stage))}")
    if not set(action.roles) & set(actor_roles):
        raise Refused(f"'{action_name}' may be taken only by {_names(action.roles)}; you are {_names(sorted(actor_roles))}")
    return action


def parse_fields(action_name: str, action: Action | TrackStart, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check and convert the fields given with an action: every problem named at once."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name in raw:
        if name not in action.fields:
            problems.append(f"'{action_name}' has no field '{name}'{did_you_mean(name, action.fields)}"
                            f" (its fields: {_names(action.fields)})")
    for name, field in action.fields.items():
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.required:
                problems.append(f"'{name}' ({field.label}) is required: give it as {name}={_example(field)}")
            continue
        try:
            values[name] = _convert(field, value)
        except ValueError as exc:
            problems.append(f"'{name}' ({field.label}): {exc}")
    if problems:
        raise Refused("; ".join(problems))
    return values


def _example(field: ActionField) -> str:
    return {
        FieldType.TEXT: "'...'",
        FieldType.DATE: "YYYY-MM-DD",
        FieldType.CHOICE: "|".join(f"'{c}'" for c in field.choices),
        FieldType.YES_NO: "yes|no",
    }[field.type]


def _convert(field: ActionField, value: Any) -> Any:
    if field.type is FieldType.YES_NO:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _YES | _NO:
            return word in _YES
        raise ValueError(f"'{value}' is not yes or no")
    text = str(value).strip()
    if field.type is FieldType.DATE:
        return _day(text)
    if field.type is FieldType.CHOICE:
        for choice in field.choices:
            if choice.lower() == text.lower():
                return choice
        raise ValueError(f"'{text}' is not one of {_names(field.choices)}{did_you_mean(text, field.choices)}")
    try:
        return inputs.text(text, "the value")
    except BadInput as exc:
        raise ValueError(str(exc)) from None


def _day(text: str) -> str:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date: write it as YYYY-MM-DD") from None
    try:
        return inputs.calendar_date(day).isoformat()
    except BadInput as exc:
        raise ValueError(str(exc)) from None


def check_guards(action_name: str, action: Action | TrackStart, facts: CaseFacts) -> None:
    failing = [GUARDS[g].refusal for g in action.guards if not GUARDS[g].holds(facts)]
    if failing:
        raise Refused(f"'{action_name}' cannot be taken yet: " + "; ".join(failing))


def applies(spec: Workflow, notification: Notification, categories: Collection[str]) -> bool:
    """Whether a notification is meant for a case with these categories."""
    if not notification.if_category and not notification.if_flag:
        return True
    if set(notification.if_category) & set(categories):
        return True
    return any(spec.flagged(list(categories), flag) for flag in notification.if_flag)


def check_categories(spec: Workflow, categories: Collection[str]) -> list[str]:
    if not categories:
        raise Refused(f"a case needs at least one category: {_names(spec.categories)}")
    unknown = [c for c in categories if c not in spec.categories]
    if unknown:
        raise Refused("; ".join(f"unknown category '{c}'{did_you_mean(c, spec.categories)}" for c in unknown)
                      + f" (categories: {_names(spec.categories)})")
    return list(dict.fromkeys(categories))


def check_email(email: str) -> str:
    """A person's email, by the one rule every door applies (notifications.check_address), lower-cased."""
    return inputs.email(email)
