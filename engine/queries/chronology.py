"""The chronology: every event of a case in plain words, as a headteacher reads a record.

Pure wording: it takes the events already read, the workflow they ran under and the people they
name, and touches no database, so a unit test reads exactly what the page, the CLI and the API say.
People appear by name and role, never by email; the hashes stay in the integrity panel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine.queries.views import ChronologyEntry, Event
from engine.rules.letters import LETTERS, METHODS
from engine.rules.links import LIMITATION_DEADLINE, limitation_date
from engine.rules.tracks import route
from workflows import MAIN, Action, FieldType, TrackStart, Workflow

AUTOMATIC = "Redress (automatic)"

TEMPLATE_TITLES = {
    "new_case": "a new case",
    "staff_reassurance": "reassurance to the staff concerned",
    "prejudice_case": "a prejudice-related case",
    "violence_threat": "a threat of violence",
    "chair_escalation": "the case comes to the chair",
    "case_escalated": "the case went to the chair",
    "legal_advice": "legal advice is being taken",
    "case_closed": "the case is closed",
    "authorities_referral": "a referral to the authorities",
    "authority_outcome": "the authorities' outcome",
    "deadline_reminder": "a deadline reminder",
    "daily_digest": "the daily digest",
    "evidence_check_failed": "an evidence file failed its check",
    "defamation_limitation": "the defamation limitation date is a month away",
    "staff_safety": "a threat names the staff member concerned",
    "policy_review": "the policy is due for review",
}
"""How the chronology names the emails Redress ships; a school's own template is named after its file."""

LETTER_TITLES = {name: kind.title[:1].lower() + kind.title[1:] for name, kind in LETTERS.items()}
"""How the chronology names the letters (engine.rules.letters): 'Letter sent by post: warning of possible legal action'."""


@dataclass(frozen=True)
class Person:
    """Someone the trail names: how the chronology calls them."""

    name: str
    role: str
    """The label of their first role ('Headteacher'), or '' when they hold none."""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


def day(value: date | datetime, zone: ZoneInfo | None = None) -> str:
    """'Thu 4 Dec 2025': a day as people write it."""
    if isinstance(value, datetime) and zone is not None:
        value = value.astimezone(zone)
    return f"{value:%a} {value.day} {value:%b %Y}"


def when(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return f"{day(local)}, {local:%H:%M}"


class _Words:
    """The wording of one case's events: its workflow, its people, its zone."""

    def __init__(self, spec: Workflow, people: Mapping[str, Person], zone: ZoneInfo):
        self.spec, self.people, self.zone = spec, people, zone

    def who(self, email: str | None) -> str:
        if not email or email == "system":
            return AUTOMATIC
        person = self.people.get(email)
        return person.label if person else email.split("@", 1)[0]

    def stage(self, name: str | None, track: str | None = None) -> str:
        stages = self.spec.tracks[track].stages if track in self.spec.tracks else self.spec.stages
        return stages[name].title if name and name in stages else (name or "").replace("_", " ")

    def procedure(self, name: str | None) -> str:
        """'the case' for the main procedure, else the track's title ('the police')."""
        if name is None or name == MAIN or name not in self.spec.tracks:
            return "the case" if name in (None, MAIN) else name.replace("_", " ")
        return self.spec.tracks[name].title

    def action(self, name: str | None) -> Action | TrackStart | None:
        found = route(self.spec, name or "")
        return found.action if found is not None else None

    def value(self, action: Action | TrackStart | None, name: str, value: Any) -> str:
        field = action.fields.get(name) if action else None
        if isinstance(value, bool):
            return "yes" if value else "no"
        if field is not None and field.type is FieldType.DATE and isinstance(value, str):
            try:
                return day(date.fromisoformat(value))
            except ValueError:
                return value
        return "" if value is None else str(value)

    def fields(self, action: Action | TrackStart | None, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        shown = []
        for name, value in values.items():
            label = action.fields[name].label if action and name in action.fields else name.replace("_", " ")
            shown.append((label, self.value(action, name, value)))
        return shown

    def emails(self, templates: Iterable[str]) -> list[tuple[str, str]]:
        titles = [TEMPLATE_TITLES.get(t, t.replace("_", " ")) for t in templates]
        return [("Emails written", "; ".join(titles))] if titles else []


def _opened(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    d = e.data
    labels = [w.spec.categories[c].label if c in w.spec.categories else c for c in d.get("categories", [])]
    details = [("Categories", "; ".join(labels)), ("What was posted", str(d.get("summary", "")))]
    if d.get("staff"):
        details.append(("Staff concerned", ", ".join(w.who(s) for s in d["staff"])))
    if d.get("platform"):
        details.append(("Where", str(d["platform"])))
    if d.get("first_published_on"):
        details.append(("First published", _day(d["first_published_on"])))
    if d.get("report") is not None:
        details.append(("From", f"staff report {d['report']}"))
    return "Case opened", details + w.emails(d.get("notified", []))


def _day(value: Any) -> str:
    """An ISO date as people write it ('' for none; the text as it is if it is no date)."""
    if not value:
        return ""
    try:
        return day(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _action(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    if e.kind == "track_started" and "fields" not in e.data:
        return _track_started(w, e)
    action = w.action(e.action)
    values: Mapping[str, Any] = e.data.get("fields") or {}
    headline = str(e.data.get("title") or (action.title if action else (e.action or "").replace("_", " ")))
    if isinstance(action, Action) and action.record:
        shown = {name: w.value(action, name, values.get(name)) or "not recorded" for name in action.fields}
        headline = action.record.format_map(shown)
    details = w.fields(action, values)
    if e.track is not None:
        before, after = e.data.get("track_stage_before"), e.data.get("track_stage_after")
        moved = f"{w.stage(before, e.track)} → {w.stage(after, e.track)}" if before else w.stage(after, e.track)
        details.append((w.procedure(e.track)[:1].upper() + w.procedure(e.track)[1:], moved))
    if e.stage_before != e.stage_after:
        details.append(("Stage", f"{w.stage(e.stage_before)} → {w.stage(e.stage_after)}"))
    if e.data.get("deadline") and e.actor == "system":
        details.append(("Why", f"the deadline '{str(e.data['deadline']).replace('_', ' ')}' passed"))
    if e.data.get("note"):
        details.append(("Note", str(e.data["note"])))
    return headline[:1].upper() + headline[1:], details + w.emails(e.data.get("notified", []))


def _track_started(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    """A track started by the case's category at opening, or alongside a main action (`starts_track`)."""
    by = str(e.data.get("by") or "")
    taken = w.action(by)
    why = "the case's category" if by == "category" else (taken.title if taken is not None else by.replace("_", " "))
    return f"Started: {w.procedure(e.track)}", [("Because of", why), ("Now at", w.stage(e.data.get("track_stage"), e.track))]


def _paused(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    d = e.data
    waiting = ", ".join(w.procedure(str(t)) for t in d.get("by") or ())
    what = w.procedure(d.get("procedure"))
    if e.kind == "paused":
        return f"Deadlines of {what} paused: waiting for {waiting}", [("Deadlines paused", str(d.get("deadlines", "")))]
    return f"Deadlines of {what} running again: no longer waiting for {waiting}", [
        ("Deadlines resumed", str(d.get("deadlines", "")))
    ]


def _exported(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    d = e.data
    what = "a redacted bundle" if d.get("redacted") else "the bundle"
    return f"Exported {what} of the case", [
        ("Files", str(d.get("files", ""))),
        ("Left out", str(d.get("left_out") or "")),
        ("Record verified", "yes" if d.get("verified") else "no"),
        ("Manifest SHA-256", str(d.get("manifest_sha256") or "")),
    ]


def _check_failed(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    d = e.data
    state = "is missing from the store" if d.get("state") == "missing" else "no longer matches its SHA-256"
    return f"Evidence file {d.get('name') or '#' + str(d.get('evidence'))} {state}", [("SHA-256", str(d.get("sha256") or ""))]


def _evidence(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    d = e.data
    what = d.get("name") if d.get("kind") == "file" else d.get("url")
    details = [("Description", str(d["description"]))] if d.get("description") else []
    if d.get("sha256"):
        details.append(("SHA-256", str(d["sha256"])))
    return f"Evidence added: {what}", details


def _withdrawn(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    d = e.data
    return f"Evidence withdrawn: {d.get('name') or d.get('url') or '#' + str(d.get('evidence'))}", [
        ("Reason", str(d.get("reason", "")))
    ]


def _meeting(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    d = e.data
    held = day(date.fromisoformat(d["held_on"])) if d.get("held_on") else "a day not recorded"
    details = [("Attended", str(d.get("attendees", "")))]
    if d.get("notes"):
        details.append(("What was said", str(d["notes"])))
    return f"Meeting held on {held}", details


def _corrected(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    changes = [
        (str(c.get("label", c.get("field"))), f"{_text(c.get('old'))} → {_text(c.get('new'))}") for c in e.data.get("changes", [])
    ]
    return "Case details corrected", [*changes, ("Reason", str(e.data.get("reason", "")))]


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) or "none"
    return "none" if value in (None, "") else str(value)


_PARTY = {"staff": "Staff member concerned", "pupil": "Pupil concerned", "poster": "Poster"}


def _party(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    d = e.data
    who = w.who(d["person"]) if d.get("person") else str(d.get("name") or d.get("reference") or "")
    verb = "added" if e.kind == "party_added" else "removed"
    details = [("Reason", str(d.get("reason", ""))), *w.emails(d.get("notified", []))]
    return f"{_PARTY.get(d.get('party', ''), 'Party')} {verb}: {who}", details


def _reopened(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    return f"Case reopened at '{w.stage(e.stage_after)}'", [
        ("Was", f"{w.stage(e.stage_before)} ({e.data.get('outcome') or 'closed'})"),
        ("Reason", str(e.data.get("reason", ""))),
    ]


def _letter(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    d = e.data
    title = LETTER_TITLES.get(str(d.get("letter")), str(d.get("letter", "")).replace("_", " "))
    how = METHODS.get(str(d.get("method")), f"by {d.get('method', '')}")
    sent = _day(d.get("sent_on"))
    details = [("To", str(d.get("to") or "the poster")), ("Sent", f"{sent} {how}".strip())]
    if d.get("sha256"):
        details.append(("Copy kept", f"evidence #{d.get('evidence')}, SHA-256 {d['sha256']}"))
    return f"Letter sent {how}: {title}", details


def _email(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    d = e.data
    title = TEMPLATE_TITLES.get(str(d.get("template")), str(d.get("template", "")).replace("_", " "))
    to = w.who(str(d.get("to", "")))
    if e.kind == "email_sent":
        return f"Email sent to {to}: {title}", []
    if e.kind == "email_requeued":
        return f"Email to {to} queued again: {title}", []
    return f"Email to {to} not sent yet: {title}", [("Problem", str(d.get("error", "")))]


def _reminder(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    if e.data.get("deadline") == LIMITATION_DEADLINE and e.kind == "reminder":
        return "Reminder: a defamation claim about the post runs out of time in a month", w.emails(e.data.get("notified", []))
    name = str(e.data.get("deadline", "")).replace("_", " ")
    if e.kind == "deadline_skipped":
        return f"Deadline '{name}' could not be carried out", [("Why", str(e.data.get("reason", "")))]
    return f"Reminder: {name}", w.emails(e.data.get("notified", []))


_BASES = {
    "poster": "the same poster",
    "platform": "the same platform account",
    "thread": "the same post or thread",
    "manual": "judged to be connected",
}
"""How the chronology words why two cases were linked (`engine.rules.links.BASES`)."""


def _linked(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    d = e.data
    basis = str(d.get("basis") or "")
    return f"Linked to case {d.get('other')}", [
        ("Because of", _BASES.get(basis, basis.replace("_", " "))),
        ("Reason", str(d.get("reason") or "")),
    ]


def _published(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    d = e.data
    on = d.get("first_published_on")
    headline = f"First published corrected to {_day(on)}" if on else "First-publication date corrected to not known"
    details = [("Was", _day(d.get("before")) or "not known")]
    if on:
        with suppress(ValueError):
            details.append(("Limitation date", day(limitation_date(date.fromisoformat(str(on))))))
    return headline, [*details, ("Reason", str(d.get("reason") or ""))]


def _owner(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    return f"Given to {w.who(str(e.data.get('owner') or ''))} to carry as the case's owner", []


def _migrated(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    return "Moved to the current version of the procedure", []


_ERASED_WORDS = {
    "opened": "Case opened",
    "action": "Action taken",
    "track_started": "Track started",
    "track_action": "Action taken",
    "evidence": "Evidence added",
    "evidence_withdrawn": "Evidence withdrawn",
    "note": "Note added",
    "meeting": "Meeting recorded",
    "corrected": "Record corrected",
    "party_added": "Person added to the case",
    "party_removed": "Person taken off the case",
    "letter": "Letter written",
    "email_sent": "Email sent",
}
"""What an erased event was, in people's words (its own wording needs the content erased)."""


def _erased(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    d = e.data
    if e.kind == "evidence_erased":
        return f"Evidence file erased (SHA-256 {str(d.get('sha256') or '')[:12]}…)", [
            ("Reason", str(d.get("reason") or "")),
            ("SHA-256", str(d.get("sha256") or "")),
        ]
    return "Case content erased under the retention schedule", [
        ("Rule", str(d.get("rule_title") or "")),
        ("What went", "; ".join(str(x) for x in d.get("what") or ())),
    ]


def _hold(w: _Words, e: Event) -> tuple[str, list[tuple[str, str]]]:
    headline = "Legal hold placed: the case will not be purged" if e.kind == "held" else "Legal hold released"
    return headline, [("Reason", str(e.data.get("reason") or ""))]


_WORDING: dict[str, Callable[[_Words, Event], tuple[str, list[tuple[str, str]]]]] = {
    "opened": _opened,
    "action": _action,
    "track_started": _action,
    "track_action": _action,
    "paused": _paused,
    "resumed": _paused,
    "exported": _exported,
    "evidence_check_failed": _check_failed,
    "evidence": _evidence,
    "evidence_withdrawn": _withdrawn,
    "note": lambda w, e: ("Note", [("Note", str(e.data.get("text", "")))]),
    "meeting": _meeting,
    "corrected": _corrected,
    "party_added": _party,
    "party_removed": _party,
    "reopened": _reopened,
    "letter": _letter,
    "email_sent": _email,
    "email_failed": _email,
    "email_retry": _email,
    "email_requeued": _email,
    "reminder": _reminder,
    "deadline_skipped": _reminder,
    "migrated": _migrated,
    "linked": _linked,
    "first_published_corrected": _published,
    "owner_assigned": _owner,
    "evidence_erased": _erased,
    "erased": _erased,
    "held": _hold,
    "released": _hold,
}


def chronology(
    events: Sequence[Event], spec: Workflow, people: Mapping[str, Person], zone: ZoneInfo
) -> tuple[ChronologyEntry, ...]:
    """Every event in plain words, oldest first."""
    words = _Words(spec, people, zone)
    entries = []
    for e in events:
        wording = _WORDING.get(e.kind)
        details: list[tuple[str, str]]
        if e.erased:  # its content is gone: say what kind of event it was, and that
            headline, details = f"{_ERASED_WORDS.get(e.kind, e.kind.replace('_', ' ').capitalize())} (details erased)", []
        else:
            headline, details = wording(words, e) if wording else (e.kind.replace("_", " ").capitalize(), [])
        entries.append(
            ChronologyEntry(
                e.seq,
                e.at,
                when(e.at, zone),
                words.who(e.actor),
                e.kind,
                headline,
                tuple((label, value) for label, value in details if value),
            )
        )
    return tuple(entries)


def people_of(rows: Iterable[tuple[str, str, Sequence[str]]], spec: Workflow) -> dict[str, Person]:
    """(email, name, roles) rows as the chronology names them: by name and first role's label."""
    found = {}
    for email, name, roles in rows:
        role = next((spec.roles[r].label for r in roles if r in spec.roles), "")
        found[email] = Person(name, role)
    return found


def mentioned(events: Iterable[Event]) -> set[str]:
    """The emails a trail names (actors, recipients, staff concerned): whom to look up once."""
    emails: set[str] = set()
    for e in events:
        emails.add(e.actor)
        for key in ("to", "person", "owner"):
            if isinstance(e.data.get(key), str):
                emails.add(e.data[key])
        emails.update(s for s in e.data.get("staff", []) if isinstance(s, str))
    emails.discard("system")
    return emails
