"""The rules of a case, as plain code a unit test runs with no database.

May this person take this action now? Are the fields right? Which notifications apply?
Each refusal says what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime
from typing import Any, ParamSpec, Protocol, TypeVar

from engine.errors import BadInput, Conflict, Refused
from engine.rules import inputs
from workflows import GUARDS, Action, ActionField, CaseFacts, FieldType, Notification, Track, TrackStart, Workflow
from workflows.errors import did_you_mean

_P = ParamSpec("_P")
_T = TypeVar("_T")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def _names(items: Collection[str]) -> str:
    return ", ".join(f"'{i}'" for i in items) or "none"


def _titles(spec: Workflow | Track, actions: Collection[str]) -> str:
    return ", ".join(f"'{spec.actions[a].title}'" for a in actions if a in spec.actions) or "nothing"


def role_labels(spec: Workflow | None, roles: Collection[str]) -> str:
    """Roles as people call them ('the Headteacher or the Chair of directors'), never their keys."""
    known = {**spec.relations, **spec.roles} if spec is not None else {}
    labels = [known[r].label if r in known else r.replace("_", " ") for r in roles]
    if not labels:
        return "no role"
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


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


def check_open(case: CaseState, expected_version: int | None, stage_title: str | None = None) -> None:
    """The case is still open and, when the person acted on a version they saw, still at that version."""
    if case.closed_at is not None:
        raise Refused(f"case {case.id} is closed ({case.outcome}): nothing more can be done on it")
    if expected_version is not None and expected_version != case.version:
        raise Conflict(f"case {case.id} changed since you looked (it is now at '{stage_title or case.stage}'): look at it again")


def check_action(
    spec: Workflow | Track, stage: str, action_name: str, actor_roles: Collection[str], workflow: Workflow | None = None
) -> Action:
    """The action, if it exists, can be taken from `stage`, and one of `actor_roles` may take it.
    `spec` is the main procedure, or the track the action belongs to (and `stage` that track's); a
    track's refusal names the roles as `workflow` labels them."""
    labelled = workflow if workflow is not None else spec if isinstance(spec, Workflow) else None
    action = spec.actions.get(action_name)
    at = spec.stages[stage].title if stage in spec.stages else stage
    if action is None:
        raise Refused(
            f"there is no action '{action_name}'{did_you_mean(action_name, spec.actions)}; "
            f"at '{at}' you can take: {_titles(spec, spec.actions_from(stage))}"
        )
    if stage not in spec.sources(action_name):
        raise Refused(
            f"'{action.title}' cannot be taken while the case is at '{at}'; "
            f"from there you can take: {_titles(spec, spec.actions_from(stage))}"
        )
    if not set(action.roles) & set(actor_roles):
        raise Refused(
            f"'{action.title}' may be taken only by {role_labels(labelled, action.roles)}; "
            f"you are {role_labels(labelled, sorted(actor_roles))}"
        )
    return action


def parse_fields(
    action_name: str, action: Action | TrackStart, raw: Mapping[str, Any], today: date | None = None
) -> dict[str, Any]:
    """Check and convert the fields given with an action: every problem named at once, each with its field.
    With `today`, a date field that records what already happened (`past: true`) may not be after it."""
    values: dict[str, Any] = {}
    problems: list[tuple[str | None, str]] = []
    for name in raw:
        if name not in action.fields:
            problems.append(
                (
                    None,
                    f"'{action.title}' has no field '{name}'{did_you_mean(name, action.fields)}"
                    f" (its fields: {_names(action.fields)})",
                )
            )
    for name, field in action.fields.items():
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.required:
                problems.append((name, f"'{field.label}' is required (field {name}={_example(field)})"))
            continue
        try:
            values[name] = _convert(field, value, today)
        except ValueError as exc:
            problems.append((name, f"'{field.label}': {exc}"))
    if problems:
        raise Refused("; ".join(message for _, message in problems), problems=problems)
    return values


def _example(field: ActionField) -> str:
    return {
        FieldType.TEXT: "'...'",
        FieldType.DATE: "YYYY-MM-DD",
        FieldType.CHOICE: "|".join(f"'{c}'" for c in field.choices),
        FieldType.YES_NO: "yes|no",
    }[field.type]


def _convert(field: ActionField, value: Any, today: date | None = None) -> Any:
    if field.type is FieldType.YES_NO:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _YES | _NO:
            return word in _YES
        raise ValueError(f"'{value}' is not yes or no")
    text = str(value).strip()
    if field.type is FieldType.DATE:
        return _day(field, text, today)
    if field.type is FieldType.CHOICE:
        for choice in field.choices:
            if choice.lower() == text.lower():
                return choice
        raise ValueError(f"'{text}' is not one of {_names(field.choices)}{did_you_mean(text, field.choices)}")
    return _input(inputs.text, text, "the value")


def _day(field: ActionField, text: str, today: date | None) -> str:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date: write it as YYYY-MM-DD") from None
    if today is not None and field.past:
        day = _input(inputs.happened_by, day, today)
    return _input(inputs.calendar_date, day).isoformat()


def _input(rule: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """An input rule (engine.rules.inputs) applied to one field: its refusal becomes that field's problem."""
    try:
        return rule(*args, **kwargs)
    except BadInput as exc:
        raise ValueError(str(exc)) from None


def check_guards(action_name: str, action: Action | TrackStart, facts: CaseFacts, stage_title: str | None = None) -> None:
    failing = [GUARDS[g].refusal for g in action.guards if not GUARDS[g].holds(facts)]
    if failing:
        at = f" at '{stage_title}'" if stage_title else ""
        raise Refused(f"'{action.title}' cannot be taken yet{at}: " + "; ".join(failing))


def applies(spec: Workflow, notification: Notification, categories: Collection[str]) -> bool:
    """Whether a notification is meant for a case with these categories."""
    if not notification.if_category and not notification.if_flag:
        return True
    if set(notification.if_category) & set(categories):
        return True
    return any(spec.flagged(list(categories), flag) for flag in notification.if_flag)


def check_categories(spec: Workflow, categories: Collection[str]) -> list[str]:
    if not categories:
        raise Refused("choose at least one category: what kind of post it is", field="categories")
    unknown = [c for c in categories if c not in spec.categories]
    if unknown:
        known = "; ".join(f"{name} ({category.label})" for name, category in spec.categories.items())
        raise Refused(
            "; ".join(f"there is no category '{c}'{did_you_mean(c, spec.categories)}" for c in unknown)
            + f". The categories: {known}",
            field="categories",
        )
    return list(dict.fromkeys(categories))


def check_email(email: str) -> str:
    """A person's email, by the one rule every door applies (notifications.check_address), lower-cased."""
    return inputs.email(email)
