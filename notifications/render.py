"""Render the school's emails and letters from Jinja2 templates, in a sandbox.

Templates are looked up in the school's override folder first (so local changes survive an
upgrade), then in the package's `templates/`. An email template NAME has three parts:
`NAME.subject.txt` (one line; whitespace is collapsed), `NAME.txt` and `NAME.html`; letters
to a poster are `letters/KIND.txt` and `letters/KIND.html`. `.html` is autoescaped, `.txt`
is not; every variable must exist (StrictUndefined), and templates run in Jinja's immutable
sandbox because a school may edit them.

The sandbox stops code; `notifications.bounds` stops a template that would run too long or grow too
large (a nested loop, `'a' * 1000000000`): each email or letter has RENDER_SECONDS and MAX_OUTPUT
characters. An override is read only if it is a regular file inside the override folder: a symbolic
link, or a path that resolves outside the folder, is refused with the file named.

The context the engine passes to an email template (times are strings, already in local time):

    school_name   str
    recipient     {name, email}
    case          {id, summary, stage, stage_title, categories: [label], platform, link,
                   opened_at, url: str | None, prejudice: bool, authorities: bool}
    actor         {name} | None        who took the action; None for the system
    action        {name, title, fields: {label: value}} | None
    deadline      {name, kind, due, since, repeats} | None   for reminders (repeats: whether it comes again)
                                       and automatic escalations ({name, kind, due, since})
    reason        str | None           why, when the action gave one
    overdue       [{id, summary, stage_title, due}]    daily_digest only (no case)
    due_soon      [{id, summary, stage_title, due}]    daily_digest only
    review_date   str                  policy_review only (no case)

A reader who may not open the case in full (engine.rules.notices.for_reader) is rendered a smaller
context: `case` holds only {id, stage, stage_title, categories, opened_at, prejudice, authorities,
platform: None, link: None, url}; actor, action, deadline and reason are None, and `event` names the
template. A template that needs more is replaced by `minimal` for that reader.

A letter gets `school_name`, `today`, `poster` {name, address, address_lines}, `headteacher` {name},
`case` {...} and `meeting` {date, place} | None (the meeting arranged, or the one given).
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, select_autoescape

from .bounds import BoundedEnvironment, OverrideLoader, RenderLimit, render_bounded, within_limits
from .errors import TemplateError

TEMPLATES = Path(__file__).parent / "templates"
LETTER_KINDS = (
    "meeting_invitation",
    "removal_request",
    "legal_warning",
    "harassment_warning",
    "site_ban",
    "platform_takedown",
)
SUBJECT, TEXT, HTML = ".subject.txt", ".txt", ".html"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# What a template may raise besides Jinja's own errors (a filter given the wrong type, say).
_RENDER_ERRORS = (
    jinja2.TemplateError,
    TypeError,
    ValueError,
    ArithmeticError,
    LookupError,
    AttributeError,
    RecursionError,
    MemoryError,
)


@dataclass(frozen=True)
class Rendered:
    """An email, ready to be written to the outbox."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Letter:
    """A letter for the headteacher to print or send."""

    text: str
    html: str


class TemplateRenderer:
    """Renders emails and letters; the override folder (if any) wins over the package's templates."""

    def __init__(self, override_dir: Path | None = None):
        self._dirs = [TEMPLATES] if override_dir is None else [Path(override_dir), TEMPLATES]
        loaders: list[jinja2.BaseLoader] = [FileSystemLoader(TEMPLATES)]
        if override_dir is not None:
            loaders.insert(0, OverrideLoader(Path(override_dir)))
        self._env = BoundedEnvironment(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
            auto_reload=False,  # templates are read once per process: no stat() of every file at every render
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def names(self) -> set[str]:
        """The email templates available (those with a subject), letters and partials aside."""
        return {
            name.removesuffix(SUBJECT)
            for name in self._env.list_templates()
            if name.endswith(SUBJECT) and "/" not in name and _NAME.match(name.removesuffix(SUBJECT))
        }

    def render(self, template: str, context: Mapping[str, Any], *, trying: bool = False) -> Rendered:
        """Render the email `template`; raises TemplateError naming the file and line. `trying`: see `render_within`."""
        if not _NAME.match(template):
            raise TemplateError("a template name is lower-case letters, digits and underscores", template=template)
        with within_limits():
            subject = " ".join(self._render(template + SUBJECT, context, trying).split())
            text = _tidy(self._render(template + TEXT, context, trying))
            return Rendered(subject, text, self._render(template + HTML, context, trying))

    def render_within(self, template: str, context: Mapping[str, Any], fallback: str) -> Rendered:
        """Render `template` with a context cut down to what its reader may know; a template that needs
        more than that (a value the context lacks) renders `fallback` instead, from the same context.

        The first try skips Jinja's error bookkeeping (it rewrites the traceback to point at the template's
        line, which costs more than a whole render, only for this method to drop it): a value missing goes
        straight to `fallback`; a template that passed a limit is refused naming the template; any other
        error renders again the usual way, for a message naming the file and line."""
        try:
            return self.render(template, context, trying=True)
        except jinja2.UndefinedError:
            return self.render(fallback, context)
        except RenderLimit as exc:
            raise TemplateError(str(exc), template=template) from exc
        except _RENDER_ERRORS:
            return self.render(template, context)

    def render_letter(self, kind: str, context: Mapping[str, Any]) -> Letter:
        """Render the letter `kind` (one of LETTER_KINDS) to a poster."""
        if kind not in LETTER_KINDS:
            raise TemplateError(f"no such letter: the letters are {', '.join(LETTER_KINDS)}", template=kind)
        with within_limits():
            return Letter(_tidy(self._render(f"letters/{kind}{TEXT}", context)), self._render(f"letters/{kind}{HTML}", context))

    def check(self, sample_context: Mapping[str, Any], required: Iterable[str] = ()) -> list[str]:
        """Render every email and letter against `sample_context`; one readable string per problem.

        `required` names templates that must exist (those the workflow uses)."""
        problems: list[str] = []
        override = next((loader for loader in self._loaders() if isinstance(loader, OverrideLoader)), None)
        if override is not None:
            problems += [str(exc) for exc in override.unsafe_files()]
        for name in sorted(self.names() | set(required)):
            try:
                self.render(name, sample_context)
            except TemplateError as exc:
                problems.append(str(exc))
        for kind in LETTER_KINDS:
            try:
                self.render_letter(kind, sample_context)
            except TemplateError as exc:
                problems.append(str(exc))
        return problems

    def _loaders(self) -> list[jinja2.BaseLoader]:
        loader = self._env.loader
        return list(loader.loaders) if isinstance(loader, ChoiceLoader) else []

    def _render(self, name: str, context: Mapping[str, Any], trying: bool = False) -> str:
        """One file of a template; `trying` (render_within's first try): its errors are raised as they are."""
        if trying:
            return render_bounded(self._env.get_template(name), context, plain_errors=True)
        try:
            return render_bounded(self._env.get_template(name), context)
        except RenderLimit as exc:
            where, line = self._where(exc, name)
            raise TemplateError(str(exc), template=where, line=line) from exc
        except jinja2.TemplateNotFound as exc:
            missing = exc.name if isinstance(exc.name, str) else name
            raise TemplateError(f"not found (looked in {', '.join(map(str, self._dirs))})", template=missing) from exc
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(exc.message or "syntax error", template=exc.name or name, line=exc.lineno) from exc
        except _RENDER_ERRORS as exc:
            where, line = self._where(exc, name)
            raise TemplateError(str(exc), template=where, line=line) from exc

    def _where(self, exc: BaseException, name: str) -> tuple[str, int | None]:
        """The template file and line an error was raised at (Jinja rewrites tracebacks to point there)."""
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            path = Path(frame.filename)
            for folder in self._dirs:
                if path.is_relative_to(folder):
                    return path.relative_to(folder).as_posix(), frame.lineno
        return name, None


def _tidy(text: str) -> str:
    """Plain text as a person would type it: no trailing spaces, never more than one blank line."""
    lines = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines).strip() + "\n"


def sample_context() -> dict[str, Any]:
    """A realistic context with every key any template may use: for `workflow check` and the tests."""
    case = {
        "id": 42,
        "summary": "A parent posted in the Year 5 parents' Facebook group that Mr Patel 'picks on' her son.",
        "stage": "chair_meeting",
        "stage_title": "Meeting with the chair",
        "categories": ["Allegation made about school staff", "Negative or offensive comment made about school staff"],
        "platform": "Facebook",
        "link": "https://www.facebook.com/groups/example/posts/123",
        "opened_at": "Monday 3 March 2025, 09:15",
        "url": "https://redress.example.sch.uk/cases/42",
        "prejudice": False,
        "authorities": False,
    }
    item = {"id": 42, "summary": case["summary"], "stage_title": "Gathering evidence", "due": "Wednesday 5 March 2025"}
    return {
        "school_name": "Oakfield Primary Academy",
        "recipient": {"name": "Ms Jane Okafor", "email": "head@oakfield.example.sch.uk"},
        "case": case,
        "actor": {"name": "Mr Tom Reid"},
        "action": {
            "name": "escalate_to_chair",
            "title": "Bring the case to the chair of directors",
            "fields": {"Why the case goes to the chair": "The parent refused to meet and the posts remain."},
        },
        "deadline": {
            "name": "evidence_reminder",
            "kind": "reminder",
            "due": "Wednesday 5 March 2025",
            "since": "Monday 3 March 2025",
            "repeats": True,
        },
        "reason": "The parent refused to meet and the posts remain.",
        "overdue": [item],
        "due_soon": [
            {
                **item,
                "id": 43,
                "summary": "Photograph of a teaching assistant posted on Instagram.",
                "stage_title": "Removal requested",
                "due": "Friday 7 March 2025",
            }
        ],
        "review_date": "Tuesday 1 July 2025",
        "event": "new_case",
        "poster": {
            "name": "Mrs A. Parent",
            "address": "12 Elm Road\nOakfield\nOK1 2AB",
            "address_lines": ["12 Elm Road", "Oakfield", "OK1 2AB"],
        },
        "headteacher": {"name": "Ms Jane Okafor"},
        "meeting": {"date": "Thursday 13 March 2025 at 3.30pm", "place": "the school office"},
        "today": "Friday 7 March 2025",
        "evidence": {"id": 7, "name": "screenshot.png", "sha256": "9f" * 32},
        "reader": "chair@oakfield.example.sch.uk",
        "when": "Friday 7 March 2025 10:12",
        "problem": "no longer matches the fingerprint it was stored with",
        "first_published_on": "Monday 3 March 2025",
        "limitation_date": "Tuesday 3 March 2026",
        "integrity": {
            "verified": {"ok": True, "at": "Friday 7 March 2025 02:30", "problems": [], "more": 0},
            "checkpoint": {"seq": 12, "hash": "3c" * 32, "at": "Friday 7 March 2025 02:30"},
        },
    }
