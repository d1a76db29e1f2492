"""Every promise an email makes is kept: each sentence of every template that says someone will be told, has
been told, or that something will happen is listed here with the check, over the shipped workflow, that makes
it true. A new promise fails the first test until it is listed with its check (or reworded)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import workflows
from engine.rules.access import STAFF_CONCERNED, Power
from notifications import TemplateRenderer, sample_context
from notifications.render import TEMPLATES
from workflows import Action, Notification, Workflow

SPEC = workflows.load(Path(__file__).resolve().parents[2] / "workflows.yaml").spec
PROMISE = re.compile(r"\b(will|shall|has been told|have been told|been emailed|let you know|are told|is told)\b", re.I)


def sentences(path: Path) -> Iterator[str]:
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}", " ", path.read_text(), flags=re.S)
    if path.suffix == ".html":
        text = html.unescape(re.sub(r"<[^>]+>", "\n", text))
    for sentence in re.split(r"(?<=[.!?:])\s+|\n", text):
        if PROMISE.search(sentence):
            yield " ".join(sentence.split()).lstrip("- ")


def promises() -> list[tuple[str, str]]:
    return [
        (path.name, sentence)
        for path in sorted(TEMPLATES.glob("*"))
        if path.suffix in (".txt", ".html") and not path.name.startswith("_")
        for sentence in sentences(path)
    ]


# --- reading the workflow ------------------------------------------------------------------------


def notifying(spec: Workflow, template: str) -> list[tuple[str, Action | None, tuple[Notification, ...]]]:
    """Every place that sends `template`: (where, the action or None, its notify list)."""
    places: list[tuple[str, Action | None, tuple[Notification, ...]]] = [("open", None, spec.open.notify)]
    places += [(name, action, action.notify) for name, action in spec.actions.items()]
    for track_name, track in spec.tracks.items():
        if track.start is not None:
            places.append((f"{track_name}.start", None, track.start.notify))
        places += [(f"{track_name}.{name}", action, action.notify) for name, action in track.actions.items()]
    return [(where, action, notify) for where, action, notify in places if any(n.template == template for n in notify)]


def told(notify: tuple[Notification, ...], template: str | None = None) -> set[str]:
    return {who for n in notify if template is None or n.template == template for who in n.to}


def sent_on_open(template: str, to: str, flag: str | None = None) -> bool:
    return any(
        n.template == template and to in n.to and (flag is None or not n.if_flag or flag in n.if_flag) and not n.if_category
        for n in SPEC.open.notify
    )


def outcome_told_to_all_told_of_referral() -> bool:
    """Everyone emailed a referral is emailed its outcome by every step that records the outcome."""
    for where, action, notify in notifying(SPEC, "authorities_referral"):
        promised = told(notify, "authorities_referral")
        if where.endswith(".start"):
            track = SPEC.tracks[where.removesuffix(".start")]
            steps = [a for a in track.actions.values() if track.stages[a.to].final]
        else:
            assert action is not None
            steps = [a for a in SPEC.actions.values() if a.from_ != "*" and action.to in a.from_]
        if not steps or any(not promised <= told(a.notify, "authority_outcome") for a in steps):
            return False
    return True


def staff_told_of_every_closing() -> bool:
    closing = [a for a in SPEC.actions.values() if SPEC.stages[a.to].final]
    return bool(closing) and all(STAFF_CONCERNED in told(a.notify) for a in closing)


def chair_escalation_reminded() -> bool:
    for _, action, _ in notifying(SPEC, "chair_escalation"):
        assert action is not None
        reminders = [d for d in SPEC.stages[action.to].deadlines if d.repeat is not None]
        if not any({"chair", "headteacher"} <= set(d.remind) for d in reminders):
            return False
    return True


def escalation_tells_the_chair() -> bool:
    places = notifying(SPEC, "case_escalated")
    return bool(places) and all("chair" in told(notify) for _, _, notify in places)


def the_chair_is_emailed_when_a_case_is_brought_to_them() -> bool:
    """Every action into a stage shown to the chair, from one that is not, emails the chair."""
    for action in SPEC.actions.values():
        if "chair" not in SPEC.stages[action.to].visible_to:
            continue
        sources = SPEC.stages if action.from_ == "*" else action.from_
        if any("chair" not in SPEC.stages[s].visible_to for s in sources) and "chair" not in told(action.notify):
            return False
    return True


def threats_go_to_the_police_the_same_day() -> bool:
    """Every category flagged as a matter for the authorities starts the police track and has same-day deadlines."""
    first = next(name for name, stage in SPEC.stages.items() if stage.initial)
    flagged = [name for name, c in SPEC.categories.items() if c.authorities]
    return bool(flagged) and all(
        "police" in SPEC.categories[c].starts_tracks
        and any(d.after.unit == workflows.Unit.HOURS for d in SPEC.stages[first].faster_for.get(c, ()))
        for c in flagged
    )


def headteacher_reminded_at_the_first_stage() -> bool:
    first = next(stage for stage in SPEC.stages.values() if stage.initial)
    return any("headteacher" in d.remind and d.repeat is not None for d in first.deadlines)


def reminder_repeats_only_when_it_does() -> bool:
    renderer, context = TemplateRenderer(), sample_context()
    again = "Redress will remind you again"
    once = renderer.render("deadline_reminder", {**context, "deadline": {**context["deadline"], "repeats": False}})
    repeats = renderer.render("deadline_reminder", {**context, "deadline": {**context["deadline"], "repeats": True}})
    return again not in once.text + once.html and again in repeats.text and again in repeats.html


def evidence_alert_once_a_day() -> bool:
    source = (Path(workflows.__file__).parents[1] / "engine" / "commands" / "evidence_check.py").read_text()
    return "once per file per school day" in source and "today + timedelta(days=1)" in source


def the_procedure_has(*stages: str) -> Callable[[], bool]:
    """A promise of what the school's people will do: the procedure they follow has those steps."""
    return lambda: all(stage in SPEC.stages for stage in stages)


KEPT: dict[str, Callable[[], bool]] = {
    "Redress will email you when the authority's outcome is recorded": outcome_told_to_all_told_of_referral,
    "and the chair of directors has been told": escalation_tells_the_chair,
    "Redress will remind you and the headteacher while the meeting is outstanding": chair_escalation_reminded,
    "Redress will remind you again while the case waits": reminder_repeats_only_when_it_does,
    "You are told once a day per file": evidence_alert_once_a_day,
    "staff named on the case have already been emailed": lambda: sent_on_open("staff_reassurance", STAFF_CONCERNED),
    "the equalities manager has been told of it": lambda: sent_on_open("prejudice_case", "equalities_manager", "prejudice"),
    "The chair of directors has been told.": lambda: sent_on_open("violence_threat", "chair", "authorities"),
    "Redress will remind you if the case waits": headteacher_reminded_at_the_first_stage,
    "The headteacher owns the case and will take it through the procedure": lambda: (
        "headteacher" in SPEC.holders(Power.SEE_EVERY_CASE)
    ),
    "it will be investigated and dealt with under our": the_procedure_has("gathering_evidence", "outcome_review"),
    "The headteacher will gather evidence": the_procedure_has("gathering_evidence", "meeting_poster", "removal_requested"),
    "We will let you know when the matter has been concluded": staff_told_of_every_closing,
    "The headteacher and the chair of directors have been told, and the matter is being reported to the police": lambda: (
        sent_on_open("new_case", "headteacher")
        and sent_on_open("violence_threat", "chair", "authorities")
        and threats_go_to_the_police_the_same_day()
    ),
    "The school will look at what is needed to keep you safe": threats_go_to_the_police_the_same_day,
    "You are told as chair of directors": lambda: all(
        told(notify, "violence_threat") == {"chair"} for _, _, notify in notifying(SPEC, "violence_threat")
    ),
    "The headteacher has been told, and the matter is being reported to the police": lambda: (
        sent_on_open("new_case", "headteacher") and threats_go_to_the_police_the_same_day()
    ),
    "Any member of staff named on the case has been emailed what to do to stay safe": lambda: sent_on_open(
        "staff_safety", STAFF_CONCERNED, "authorities"
    ),
    "If it is brought to you as chair, Redress will email you": the_chair_is_emailed_when_a_case_is_brought_to_them,
}


def kept_by(sentence: str) -> list[str]:
    return [key for key in KEPT if key in sentence]


@pytest.mark.parametrize(("template", "sentence"), promises(), ids=lambda v: str(v)[:60])
def test_every_promise_in_a_template_is_listed_with_how_it_is_kept(template, sentence):
    assert len(kept_by(sentence)) == 1, f"{template} promises '{sentence}': add how it is kept to KEPT, or reword it"


@pytest.mark.parametrize("promise", list(KEPT))
def test_each_promise_is_kept_by_the_shipped_workflow(promise):
    assert KEPT[promise](), f"the promise '{promise}' is not kept"


def test_no_listed_promise_is_left_over_from_a_template_that_no_longer_makes_it():
    made = {key for _, sentence in promises() for key in kept_by(sentence)}
    assert made == set(KEPT)


def test_the_check_catches_a_broken_promise():
    # The referral promised to the chair and the coordinator, with no outcome email at the close: the check fails.
    global SPEC
    saved = SPEC
    close = saved.actions["close_after_referral"]
    broken = close.model_copy(update={"notify": tuple(n for n in close.notify if n.template != "authority_outcome")})
    SPEC = saved.model_copy(update={"actions": {**saved.actions, "close_after_referral": broken}})
    try:
        assert not outcome_told_to_all_told_of_referral()
    finally:
        SPEC = saved
    assert outcome_told_to_all_told_of_referral()
