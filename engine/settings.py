"""The one typed settings object, and where each value came from.

Sources, lowest priority first: built-in defaults < `redress.toml` (or the file named by
$REDRESS_CONFIG) < environment variables `REDRESS_<SETTING>`. Relative paths in the file are
relative to the file's folder; relative paths from the environment or the defaults are relative
to the current directory. docs/configuration.md lists every setting.
"""

from __future__ import annotations

import calendar
import os
import re
from collections.abc import Mapping
from datetime import date, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError, field_validator, model_validator

from engine import settings_sources as sources
from engine.errors import BadInput

Nation = Literal["england", "wales", "scotland", "northern_ireland"]
SmtpSecurity = Literal["none", "starttls", "tls"]
SqliteSynchronous = Literal["full", "normal"]

PATH_FIELDS = ("calendar_ics", "data_dir", "workflow", "templates_dir", "mailbox_dir")
LIST_FIELDS = ("terms", "closures")
SECRET_FIELDS = ("smtp_password", "secret_key")
DEFAULT = "default"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Term(_Frozen):
    """A term, first and last day included. Written `2025-09-03..2025-10-24` in the environment."""

    start: date
    end: date

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        if isinstance(value, str):
            start, dots, end = value.partition("..")
            if not dots:
                raise ValueError(f"'{value}' is not a term")
            return {"start": start.strip(), "end": end.strip()}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Term:
        if self.end < self.start:
            raise ValueError(f"the term ends ({self.end}) before it starts ({self.start})")
        return self

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start}..{self.end}"


class WorkingHours(_Frozen):
    """When reminders may be sent, in the school's time zone. Written `08:00-18:00` in the environment."""

    start: time = time(8)
    end: time = time(18)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        if isinstance(value, str):
            start, dash, end = value.partition("-")
            if not dash:
                raise ValueError(f"'{value}' is not a span of hours")
            return {"start": start.strip(), "end": end.strip()}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.end <= self.start:
            raise ValueError(f"working hours end ({self.end:%H:%M}) at or before they start ({self.start:%H:%M})")
        return self

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


class Settings(_Frozen):
    """Everything Redress can be told. Each description doubles as the "write ..." of an error message."""

    school_name: str = Field("Our school", description="the school's name, shown in emails")
    timezone: str = Field("Europe/London", description="an IANA time zone such as Europe/London")
    nation: Nation = Field("england", description="england, wales, scotland or northern_ireland")
    terms: tuple[Term, ...] = Field((), description="terms as start..end dates, e.g. 2025-09-03..2025-10-24")
    closures: tuple[date, ...] = Field((), description="dates such as 2026-01-05 (INSET days, closures)")
    calendar_ics: Path | None = Field(None, description="the path of an iCalendar (.ics) file of term dates")
    deadline_time: time = Field(time(9), description="a time of day such as 09:00")
    working_hours: WorkingHours = Field(WorkingHours(), description="a span of hours such as 08:00-18:00")
    database_url: str = Field("sqlite:///./redress.db", description="a URL such as sqlite:///./redress.db")
    sqlite_synchronous: SqliteSynchronous = Field(
        "full", description="full (every commit survives a power cut) or normal (faster; the last commits may not)")
    data_dir: Path = Field(Path("data"), description="a folder for evidence files")
    workflow: Path = Field(Path("workflows.yaml"), description="the path of the workflow file")
    base_url: str | None = Field(None, description="the web address of Redress, such as https://redress.example.org")
    templates_dir: Path | None = Field(None, description="a folder of email templates overriding the built-in ones")
    smtp_host: str | None = Field(None, description="the mail server's host name; unset for the local mail catcher")
    smtp_port: int = Field(25, ge=1, le=65535, description="a port number such as 25, 587 or 465")
    smtp_security: SmtpSecurity = Field("none", description="none, starttls or tls")
    smtp_user: str | None = Field(None, description="the mail server login")
    smtp_password: SecretStr | None = Field(None, description="the mail server password")
    smtp_from: str = Field("Redress <redress@localhost>", description="an address such as Redress <redress@school.org>")
    mailbox_dir: Path = Field(Path("mail"), description="a folder where the local mail catcher keeps messages")
    mailbox_port: int = Field(8025, ge=1, le=65535, description="a port number such as 8025")
    digest_enabled: bool = Field(True, description="true or false")
    digest_time: time = Field(time(7, 30), description="a time of day such as 07:30")
    policy_review_enabled: bool = Field(True, description="true or false")
    policy_review_date: str = Field("03-01", description="a month and day as MM-DD, such as 03-01 for 1 March")
    worker_sweep_seconds: int = Field(30, ge=1, description="a whole number of seconds such as 30")
    secret_key: SecretStr | None = Field(
        None, description="a long random string that signs the web app's session cookies (made and kept in data_dir when unset)")

    _sources: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a known time zone") from None
        return value

    @field_validator("policy_review_date")
    @classmethod
    def _month_day(cls, value: str) -> str:
        match = re.fullmatch(r"(\d{2})-(\d{2})", value.strip())
        try:
            date(2000, int(match[1]), int(match[2])) if match else date.fromisoformat("bad")
        except ValueError:
            raise ValueError(f"'{value}' is not a month and day") from None
        return value.strip()

    @field_validator("database_url", "base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value:
            raise ValueError(f"'{value}' is not a URL")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _address(cls, value: str) -> str:
        # The dispatcher's own check, run now: a bad From address is a setup mistake, not a failure at every send.
        from notifications.errors import AddressError
        from notifications.mail import sender_address

        try:
            sender_address(value)
        except AddressError as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def source(self, name: str) -> str:
        """Where a setting's value came from: 'default', a file name, or 'env REDRESS_X'."""
        if name not in Settings.model_fields:
            raise KeyError(name)
        return self._sources.get(name, DEFAULT)

    def policy_review_on(self, year: int) -> date:
        """The policy review date in `year` (29 February becomes the 28th in other years)."""
        month, day = (int(part) for part in self.policy_review_date.split("-"))
        if (month, day) == (2, 29) and not calendar.isleap(year):
            day = 28
        return date(year, month, day)


SETTING_NAMES: tuple[str, ...] = tuple(Settings.model_fields)


def _resolved(layer: sources.Layer, base: Path) -> sources.Layer:
    """Relative paths made absolute against `base`."""
    out = dict(layer)
    for name in PATH_FIELDS:
        if name in out and isinstance(out[name][0], str):
            value, label = out[name]
            out[name] = (base / Path(str(value)).expanduser(), label)
    return out


def _defaults(cwd: Path) -> sources.Layer:
    """The default paths, made absolute against the current directory."""
    defaults = {name: Settings.model_fields[name].default for name in PATH_FIELDS}
    return {name: (cwd / default, DEFAULT) for name, default in defaults.items() if isinstance(default, Path)}


def load_settings(environ: Mapping[str, str] = os.environ, cwd: Path | None = None) -> Settings:
    """Layer defaults < config file < environment into one validated Settings; BadInput on any problem."""
    cwd = cwd or Path.cwd()
    layers = [_defaults(cwd)]
    path = sources.config_file(environ, cwd)
    if path is not None:
        label = sources.file_label(path, cwd)
        layers.append(_resolved(sources.read_file(path, label, SETTING_NAMES), path.parent))
    layers.append(_resolved(sources.read_env(environ, SETTING_NAMES, LIST_FIELDS), cwd))
    merged: sources.Layer = {}
    for layer in layers:
        merged.update(layer)
    try:
        settings = Settings.model_validate({name: value for name, (value, _) in merged.items()})
    except ValidationError as exc:
        raise BadInput(_explain(exc, merged)) from None
    settings._sources = {name: label for name, (_, label) in merged.items() if label != DEFAULT}
    return settings


def _explain(exc: ValidationError, merged: sources.Layer) -> str:
    """Every validation problem on one line, each naming where the value came from and what to write."""
    problems = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        label = merged.get(name, (None, DEFAULT))[1]
        where = label.removeprefix("env ") if label.startswith("env ") else f"{label}: {'.'.join(map(str, error['loc']))}"
        message = str(error["msg"]).removeprefix("Value error, ")
        quoted = name in SECRET_FIELDS or error["type"] == "value_error"  # our own messages quote the value
        shown = "" if quoted else f" (got {error['input']!r})"
        field = Settings.model_fields.get(name)
        expected = f": write {field.description}" if field and field.description else ""
        problems.append(f"{where}: {message}{shown}{expected}")
    return "; ".join(problems)


def shown_value(settings: Settings, name: str) -> str:
    """A setting's value as `config show` prints it: secrets masked, empty values said so."""
    value = getattr(settings, name)
    if value is None:
        return "(not set)"
    if name in SECRET_FIELDS:
        return "***"
    if name == "database_url":
        return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", str(value))
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)
