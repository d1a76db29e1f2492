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
from engine.settings_retention import DEFAULT_RULES, RetentionRule
from engine.settings_signin import MAX_REMEMBER_DAYS, SignInProvider, TwoFactor
from engine.settings_values import MIN_SECRET_KEY, database_address, header_safe, is_secret_name, masked_url, web_address

Nation = Literal["england", "wales", "scotland", "northern_ireland"]
SmtpSecurity = Literal["none", "starttls", "tls"]
SqliteSynchronous = Literal["full", "normal"]
EmailDetail = Literal["minimal", "full"]

PATH_FIELDS = ("calendar_ics", "data_dir", "workflow", "templates_dir", "mailbox_dir")
LIST_FIELDS = ("terms", "closures", "two_factor_roles", "email_full_templates")
# And any other setting whose name says secret, password or key.
SECRET_FIELDS = ("smtp_password", "secret_key", "integrity_key", "totp_key")
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
        "full", description="full (every commit survives a power cut) or normal (faster; the last commits may not)"
    )
    data_dir: Path = Field(Path("data"), description="a folder for evidence files")
    workflow: Path = Field(Path("workflows.yaml"), description="the path of the workflow file")
    base_url: str | None = Field(None, description="the web address of Redress, such as https://redress.example.org")
    templates_dir: Path | None = Field(None, description="a folder of email templates overriding the built-in ones")
    smtp_host: str | None = Field(
        None, description="the mail server's host name; unset: the mail catcher if mailbox_port is set, else nowhere"
    )
    smtp_port: int = Field(25, ge=1, le=65535, description="a port number such as 25, 587 or 465")
    smtp_security: SmtpSecurity = Field("none", description="none, starttls or tls")
    smtp_user: str | None = Field(None, description="the mail server login")
    smtp_password: SecretStr | None = Field(None, description="the mail server password")
    smtp_from: str = Field("Redress <redress@localhost>", description="an address such as Redress <redress@school.org>")
    mailbox_dir: Path = Field(Path("mail"), description="a folder where the local mail catcher keeps messages")
    mailbox_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="the port of the local mail catcher (`redress mailbox`) such as 8025; unset, email goes to "
        "smtp_host or stays in the outbox",
    )
    email_detail: EmailDetail = Field(
        "minimal",
        description="minimal (someone who may not open a case is emailed its category, date and stage, and a link) or full",
    )
    email_full_templates: tuple[str, ...] = Field(
        (), description="email template names such as authorities_referral,case_closed, sent in full to every recipient"
    )
    digest_enabled: bool = Field(True, description="true or false")
    digest_time: time = Field(time(7, 30), description="a time of day such as 07:30")
    policy_review_enabled: bool = Field(True, description="true or false")
    policy_review_date: str = Field("03-01", description="a month and day as MM-DD, such as 03-01 for 1 March")
    worker_sweep_seconds: int = Field(30, ge=1, description="a whole number of seconds such as 30")
    secret_key: SecretStr | None = Field(
        None, description="a long random string that signs the web app's session cookies (made and kept in data_dir when unset)"
    )
    integrity_key: SecretStr | None = Field(
        None, description="a long random string that signs the audit trail (made and kept in data_dir/integrity.key when unset)"
    )
    totp_key: SecretStr | None = Field(
        None,
        description="a long random string that encrypts the authenticator secrets in the database "
        "(made and kept in data_dir/totp.key when unset)",
    )
    session_idle_minutes: int = Field(60, ge=1, le=24 * 60, description="a whole number of minutes such as 60")
    session_hours: int = Field(8, ge=1, le=24 * 30, description="a whole number of hours such as 8")
    sign_in_retention_days: int = Field(90, ge=1, description="a whole number of days such as 90")
    sign_in_providers: tuple[SignInProvider, ...] = Field(
        (), description="[[sign_in_providers]] tables in redress.toml (see docs/configuration.md)"
    )
    password_sign_in: bool = Field(True, description="true or false (false only with a sign-in provider)")
    two_factor: TwoFactor = Field("required", description="required, optional or off")
    two_factor_roles: tuple[str, ...] = Field(
        (), description="role names such as headteacher,chair (none: every role that can see a case in full)"
    )
    remember_browser_days: int = Field(
        14, ge=0, le=MAX_REMEMBER_DAYS, description=f"a whole number of days from 0 (never) to {MAX_REMEMBER_DAYS}"
    )

    retention_rules: tuple[RetentionRule, ...] = Field(
        DEFAULT_RULES, description="[[retention_rules]] tables in redress.toml (see docs/privacy.md); they replace the defaults"
    )
    retention_purge_enabled: bool = Field(
        False, description="true or false: the worker purges the cases due under the retention schedule, monthly"
    )
    _sources: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _some_way_in(self) -> Settings:
        if not self.password_sign_in and not self.sign_in_providers:
            raise ValueError("password_sign_in is false but no sign-in provider is set: nobody could sign in")
        if len({provider.name for provider in self.sign_in_providers}) != len(self.sign_in_providers):
            raise ValueError("two sign-in providers have the same name")
        return self

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

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return database_address(value)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        return None if value is None else web_address(value)

    @field_validator(*PATH_FIELDS)
    @classmethod
    def _plain_path(cls, value: Path | None) -> Path | None:
        if value is not None and re.search(r"[\x00-\x1f]", str(value)):
            raise ValueError("the path holds a control character (a NUL or a line break)")
        return value

    @field_validator("templates_dir")
    @classmethod
    def _templates_folder(cls, value: Path | None) -> Path | None:
        # Overrides in a folder that is not there would be silently unused: say so now.
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} {'is not a folder' if value.exists() else 'does not exist'}")
        return value

    @field_validator("smtp_host")
    @classmethod
    def _host_name(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or re.search(r"\s", header_safe(value, "host name"))):
            raise ValueError("the host name is empty or has spaces")
        return value

    @field_validator("smtp_user")
    @classmethod
    def _header_safe(cls, value: str | None) -> str | None:
        return None if value is None else header_safe(value, "login")

    @field_validator("secret_key", "integrity_key", "totp_key")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < MIN_SECRET_KEY:
            raise ValueError(
                f"the key is too short to be safe (at least {MIN_SECRET_KEY} characters; "
                "or leave it unset and Redress makes one in data_dir)"
            )
        return value

    @field_validator("smtp_from")
    @classmethod
    def _address(cls, value: str) -> str:
        # The dispatcher's own check, run now: a bad From address is a setup mistake, not a failure at every send.
        from notifications.errors import AddressError
        from notifications.mail import sender_address

        try:
            header_safe(value, "sender")
            sender_address(value)
        except AddressError as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def mail_goes_nowhere(self) -> bool:
        """Neither a mail server (smtp_host) nor the local mail catcher (mailbox_port) is set: the worker
        sends nothing and every email waits in the outbox."""
        return not self.smtp_host and self.mailbox_port is None

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
    lines: dict[str, int] = {}
    path = sources.config_file(environ, cwd)
    if path is not None:
        label = sources.file_label(path, cwd)
        layers.append(_resolved(sources.read_file(path, label, SETTING_NAMES), path.parent))
        lines = sources.key_lines(path)
    layers.append(_resolved(sources.read_env(environ, SETTING_NAMES, LIST_FIELDS), cwd))
    merged: sources.Layer = {}
    for layer in layers:
        merged.update(layer)
    try:
        settings = Settings.model_validate({name: value for name, (value, _) in merged.items()})
    except ValidationError as exc:
        raise BadInput(_explain(exc, merged, lines)) from None
    settings._sources = {name: label for name, (_, label) in merged.items() if label != DEFAULT}
    return settings


def _where(name: str, loc: tuple[int | str, ...], label: str, lines: Mapping[str, int]) -> str:
    """`REDRESS_X`, `redress.toml:4: x`, or `default: x`: where the refused value came from."""
    if label.startswith("env "):
        return label.removeprefix("env ")
    line = lines.get(name) if label != DEFAULT else None
    return f"{label}{f':{line}' if line else ''}: {'.'.join(map(str, loc))}"


def _explain(exc: ValidationError, merged: sources.Layer, lines: Mapping[str, int] | None = None) -> str:
    """Every validation problem on one line, each naming where the value came from and what to write."""
    problems = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        label = merged.get(name, (None, DEFAULT))[1]
        message = " ".join(str(error["msg"]).removeprefix("Value error, ").split())
        secret = is_secret_name(name) or name == "database_url"  # never echo a value that may hold a password
        quoted = secret or error["type"] == "value_error"  # our own messages quote the value
        shown = "" if quoted else f" (got {_printable(error['input'])})"
        field = Settings.model_fields.get(name)
        expected = f": write {field.description}" if field and field.description else ""
        problems.append(f"{_where(name, error['loc'], label, lines or {})}: {message}{shown}{expected}")
    return "; ".join(problems)


def _printable(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def shown_value(settings: Settings, name: str) -> str:
    """A setting's value as `config show` prints it: secrets masked, empty values said so."""
    value = getattr(settings, name)
    if value is None:
        return "(not set)"
    if name in SECRET_FIELDS or is_secret_name(name):
        return "***"
    if name == "database_url":
        return masked_url(str(value))
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)
