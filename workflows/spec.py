"""The workflow spec: the typed, immutable form of `workflows.yaml`.

Every model forbids unknown keys and is frozen, so a spec that loaded is a spec
that cannot change under a running case.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=60)]

ANY_OPEN_STAGE = "*"


class _Frozen(BaseModel):
    # defer_build: each model's validator is built when a spec is first validated, not when this module is
    # imported, so a command that reads no workflow (`redress --help`) does not pay for it (about 40 ms).
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Category(_Frozen):
    label: str
    prejudice: bool = False
    """Prejudice-related (racist, homophobic, ...): the equalities manager is told."""
    authorities: bool = False
    """Reported to the appropriate authorities."""
    safeguarding: bool = False
    """About a pupil (KCSIE): the designated safeguarding lead is told, and sees the case in full."""
    starts_tracks: tuple[Name, ...] = ()
    """Tracks started when a case opens with this category (a threat goes to the police at once)."""


CATEGORY_FLAGS = ("prejudice", "authorities", "safeguarding")


class Role(_Frozen):
    label: str
    description: str = ""


class Unit(StrEnum):
    SCHOOL_DAYS = "school_days"
    WORKING_DAYS = "working_days"
    """Weekdays that are not bank holidays, school holidays included: the days a local authority works (LADO)."""
    DAYS = "days"
    HOURS = "hours"
    MONTHS = "months"
    """Calendar months, holidays included (a subject access request): the corresponding date, or the month's last day."""


_DURATION = re.compile(r"^\s*(\d+)\s+(school days?|working days?|days?|hours?|(?:calendar )?months?)\s*$")
_UNITS = {
    "school day": Unit.SCHOOL_DAYS,
    "working day": Unit.WORKING_DAYS,
    "day": Unit.DAYS,
    "hour": Unit.HOURS,
    "month": Unit.MONTHS,
    "calendar month": Unit.MONTHS,
}
DURATION_HINT = "write it as '3 school days', '1 working day', '2 days', '48 hours' or '1 calendar month'"


class Duration(_Frozen):
    """An interval such as ``3 school days``, ``1 working day``, ``2 days``, ``48 hours`` or ``1 calendar month``."""

    amount: int
    unit: Unit

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        match = _DURATION.match(value) if isinstance(value, str) else None
        if match:
            return {"amount": int(match[1]), "unit": _UNITS[match[2].rstrip("s")]}
        if isinstance(value, dict | Duration):  # the form `model_dump` writes, read back
            return value
        raise ValueError(f"'{value}' is not a duration: {DURATION_HINT}")

    @field_validator("amount")
    @classmethod
    def _positive(cls, amount: int) -> int:
        if amount < 1:
            raise ValueError("a duration must be at least 1")
        return amount

    @property
    def nominal_hours(self) -> int:
        """A rough length, to compare durations of different units (a day is 24 hours, a month 28 days)."""
        per = {Unit.HOURS: 1, Unit.MONTHS: 28 * 24}.get(self.unit, 24)
        return self.amount * per

    def __str__(self) -> str:
        word = "calendar months" if self.unit is Unit.MONTHS else self.unit.value.replace("_", " ")
        return f"{self.amount} {word if self.amount != 1 else word.rstrip('s')}"


class Notification(_Frozen):
    template: Name
    to: tuple[Name, ...] = Field(min_length=1)
    """Roles or case relations to notify."""
    if_category: tuple[Name, ...] = ()
    """Only when the case has one of these categories."""
    if_flag: tuple[Literal["prejudice", "authorities", "safeguarding"], ...] = ()
    """Only when one of the case's categories has one of these flags."""


class Deadline(_Frozen):
    name: Name
    after: Duration
    """Counted from entering the stage."""
    remind: tuple[Name, ...] = ()
    """A reminder: the roles or relations told that the case waits."""
    template: Name = "deadline_reminder"
    repeat: Duration | None = None
    """A reminder may repeat while the case waits."""
    escalate: Name | None = None
    """An escalation: the action the system takes."""

    @model_validator(mode="after")
    def _one_kind(self) -> Deadline:
        if bool(self.remind) == bool(self.escalate):
            raise ValueError("a deadline either reminds (remind: [roles]) or escalates (escalate: ACTION), not both or neither")
        if self.escalate and self.repeat:
            raise ValueError("an escalation happens once: 'repeat' belongs to reminders")
        return self

    @property
    def kind(self) -> str:
        return "escalation" if self.escalate else "reminder"


class Stage(_Frozen):
    title: str
    description: str = ""
    initial: bool = False
    final: bool = False
    deadlines: tuple[Deadline, ...] = ()
    visible_to: tuple[Name, ...] = ()
    """Roles who may see a case once it has reached this stage (the chair sees escalated cases)."""
    faster_for: dict[Name, tuple[Deadline, ...]] = Field(default_factory=dict)
    """For a case with this category, these deadlines replace the stage's deadlines of the same name."""
    pauses: tuple[Name, ...] = ()
    """Track stages only: while a track waits here, the deadlines of these procedures (`main`, or
    another track) stand still, and resume with the time they had left."""
    legal_hold: str | None = None
    """A case that enters this stage (of the main procedure or a track) is put under a legal hold, with this
    reason, unless it already is: legal advice and the police keep the record from any purge."""
    establishes: tuple[Name, ...] = ()
    """Track stages only: the guards that hold while a track stands here (`removal_confirmed` once the
    removal track records the posts removed), so no guard names a track's stages in code."""

    def deadlines_for(self, categories: Collection[str]) -> tuple[Deadline, ...]:
        """The deadlines a case with these categories waits on here: each replaced by the soonest
        of its `faster_for` versions among the case's categories, in the stage's order."""
        faster: dict[str, Deadline] = {}
        for category, deadlines in self.faster_for.items():
            if category in categories:
                for deadline in deadlines:
                    kept = faster.get(deadline.name)
                    if kept is None or deadline.after.nominal_hours < kept.after.nominal_hours:
                        faster[deadline.name] = deadline
        return tuple(faster.get(deadline.name, deadline) for deadline in self.deadlines)


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    CHOICE = "choice"
    YES_NO = "yes_no"


class ActionField(_Frozen):
    label: str
    type: FieldType = FieldType.TEXT
    required: bool = True
    choices: tuple[str, ...] = ()
    help: str = ""
    past: bool = False
    """A date of something that has happened (a meeting held, posts removed): one after today is refused."""

    @model_validator(mode="after")
    def _choices_for_choice(self) -> ActionField:
        if self.type is FieldType.CHOICE and not self.choices:
            raise ValueError("a choice field needs 'choices'")
        if self.type is not FieldType.CHOICE and self.choices:
            raise ValueError("only a choice field has 'choices'")
        return self


class MeetingRecord(_Frozen):
    """Which of an action's fields say when a meeting was held and what was said, and who attended."""

    held_on: Name
    """A date field of the action."""
    notes: Name | None = None
    """A text field of the action."""
    attendees: str
    """Who attends such a meeting, in words ('the chair, the headteacher and the parents or carers')."""


class Action(_Frozen):
    title: str
    description: str = ""
    from_: tuple[Name, ...] | Literal["*"] = Field(alias="from")
    """Stage names, or '*' for any open stage."""
    to: Name
    roles: tuple[Name, ...] = Field(min_length=1)
    """Roles or case relations that may take the action; `system` for automatic ones."""
    fields: dict[Name, ActionField] = Field(default_factory=dict)
    guards: tuple[Name, ...] = ()
    notify: tuple[Notification, ...] = ()
    outcome: str | None = None
    """Recorded as the case's outcome when this action closes it."""
    starts_track: Name | None = None
    """Main procedure only: the track this action also starts, alongside the case's own stages."""
    primary: bool = False
    """The main path: the case page offers it first, as the next step (one per stage)."""
    record: str = ""
    """How the chronology says it was done, with {field} for each answer: 'warning given by {method}'."""
    meeting: MeetingRecord | None = None
    """The action records a meeting: it is kept under the case's meetings as well."""

    @field_validator("from_", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return _stages_or_any(value)


class Reopening(_Frozen):
    """Who may reopen a closed case, and the stage it goes back to."""

    to: Name
    roles: tuple[Name, ...] = Field(min_length=1)


def _stages_or_any(value: object) -> object:
    if isinstance(value, str):
        return value if value == ANY_OPEN_STAGE else (value,)
    if isinstance(value, list | tuple):
        return tuple(value)
    raise ValueError("write a stage name, a list of stage names, or '*' for every open stage")


class Opening(_Frozen):
    """Who may open a case, and who is told when one opens."""

    roles: tuple[Name, ...] = Field(min_length=1)
    notify: tuple[Notification, ...] = ()


MAIN = "main"
"""The name `pauses:` uses for the case's own procedure, beside its tracks."""


class _Procedure:
    """What the main procedure and a track share: stages, and actions between them."""

    if TYPE_CHECKING:
        stages: dict[str, Stage]
        actions: dict[str, Action]

    # Derived views. They are cheap, so they are computed rather than stored.
    @property
    def initial_stage(self) -> str:
        return next(name for name, stage in self.stages.items() if stage.initial)

    @property
    def open_stages(self) -> tuple[str, ...]:
        return tuple(name for name, stage in self.stages.items() if not stage.final)

    def sources(self, action: str) -> tuple[str, ...]:
        """The stages an action can be taken from; '*' is every open stage but the one it leads to."""
        spec = self.actions[action]
        if isinstance(spec.from_, str):
            return tuple(stage for stage in self.open_stages if stage != spec.to)
        return spec.from_

    def actions_from(self, stage: str) -> tuple[str, ...]:
        return tuple(name for name in self.actions if stage in self.sources(name))

    def is_final(self, stage: str) -> bool:
        return self.stages[stage].final


class TrackStart(_Frozen):
    """The action, offered in the main procedure, that starts a track and leaves the case's stage as it is."""

    title: str
    description: str = ""
    from_: tuple[Name, ...] | Literal["*"] = Field(alias="from")
    """Main stages it can be taken from, or '*' for every open one."""
    roles: tuple[Name, ...] = Field(min_length=1)
    fields: dict[Name, ActionField] = Field(default_factory=dict)
    guards: tuple[Name, ...] = ()
    notify: tuple[Notification, ...] = ()

    @field_validator("from_", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return _stages_or_any(value)


class Track(_Procedure, _Frozen):
    """A small procedure that runs alongside a case's own (a report to the platform, the police)."""

    title: str
    description: str = ""
    start: TrackStart | None = None
    stages: dict[Name, Stage] = Field(min_length=1)
    actions: dict[Name, Action] = Field(min_length=1)


class Workflow(_Procedure, _Frozen):
    name: str
    description: str = ""
    categories: dict[Name, Category] = Field(min_length=1)
    roles: dict[Name, Role] = Field(min_length=1)
    relations: dict[Name, Role] = Field(default_factory=dict)
    open: Opening
    stages: dict[Name, Stage] = Field(min_length=1)
    actions: dict[Name, Action] = Field(min_length=1)
    tracks: dict[Name, Track] = Field(default_factory=dict)
    """Procedures that run alongside the main one, each with its own stages."""
    reopen: Reopening | None = None
    """A closed case may be reopened, into this stage, by these roles (with a reason, audited)."""
    permissions: dict[Name, tuple[Name, ...]] = Field(default_factory=dict)
    """Each power (workflows.powers.POWERS) and the roles that hold it. Lists, not sets, so the
    canonical JSON (and so the content hash) does not depend on set order, and each role keeps its line."""

    def holders(self, power: str) -> frozenset[str]:
        """The roles that hold `power`; none when the workflow does not give it out."""
        return frozenset(self.permissions.get(power, ()))

    def may(self, roles: Collection[str], power: str) -> bool:
        """Whether someone with these roles holds `power`."""
        return not self.holders(power).isdisjoint(roles)

    def established(self, track_stages: Mapping[str, str]) -> frozenset[str]:
        """The facts the case's tracks establish where they stand (each track stage's `establishes:`)."""
        return frozenset(
            fact
            for track, stage in track_stages.items()
            if track in self.tracks and stage in self.tracks[track].stages
            for fact in self.tracks[track].stages[stage].establishes
        )

    def flagged(self, categories: tuple[str, ...] | list[str], flag: str) -> bool:
        return any(getattr(self.categories[c], flag) for c in categories if c in self.categories)

    def canonical_json(self) -> str:
        data = self.model_dump(mode="json", by_alias=True)
        # Who holds a power is a set: the order roles are listed in is not meaning. A file written before
        # powers were data has none, and keeps the hash it was stored under.
        data["permissions"] = {power: sorted(set(roles)) for power, roles in self.permissions.items()}
        if not data["permissions"]:
            del data["permissions"]
        _drop_later_defaults(data)
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @cached_property
    def content_hash(self) -> str:
        """A stable hash of the meaning of the spec: comments and key order do not change it. Worked out once per
        spec (the spec is frozen), and kept with it in the spec cache (engine/spec_cache.py), so `case show` does
        not serialise the whole spec to print its version."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()


def _drop_later_defaults(data: dict[str, Any]) -> None:
    """Leave out the keys the language gained with tracks while they hold their defaults, so a workflow
    that uses none of them keeps the content hash it was stored under."""
    if not data.get("tracks"):
        data.pop("tracks", None)
    if data.get("reopen") is None:
        data.pop("reopen", None)
    for category in data["categories"].values():
        if not category.get("starts_tracks"):
            category.pop("starts_tracks", None)
    for stage in data["stages"].values():
        _drop_empty(stage, ("faster_for", "pauses", "establishes"))
    for track in data.get("tracks", {}).values():
        for stage in track["stages"].values():
            _drop_empty(stage, ("establishes",))
    actions = [*data["actions"].values(), *(a for t in data.get("tracks", {}).values() for a in t["actions"].values())]
    for action in actions:
        _drop_empty(action, ("starts_track", "meeting", "primary", "record"))


def _drop_empty(part: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Keys added to an action or a stage later, left out while they hold their default (None, false, '' or empty)."""
    for key in keys:
        if key in part and not part[key]:
            del part[key]
