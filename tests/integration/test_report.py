"""The monitoring report on a generated history, each figure checked against a count made here,
from the generator's own record, day by day (no code of the report's), on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select, update

from engine.commands import cases
from engine.context import Redress
from engine.errors import BadInput
from engine.report.annual import build_annual
from engine.report.monitoring import Report, SchoolDays, build_report
from engine.report.sql import share_snapshot
from store import Case, OutboxMessage, Person
from tests.conftest import COORDINATOR, HEAD, MONDAY
from tests.integration.helpers import act, open_case
from tests.support.history import GeneratedCase, generate_history

EASTER = {2023: date(2023, 4, 9), 2024: date(2024, 3, 31), 2025: date(2025, 4, 20), 2026: date(2026, 4, 5)}


@pytest.fixture
def history(app: Redress) -> list[GeneratedCase]:
    return generate_history(app, 420, seed=11)


@dataclass
class Expected:
    """The figures of a period, counted the slow, obvious way."""

    app: Redress
    cases: list[GeneratedCase]
    start: date
    end: date

    def day(self, at: datetime) -> date:
        return at.astimezone(self.app.zone).date()

    def within(self, at: datetime | None) -> bool:
        return at is not None and self.start <= self.day(at) <= self.end

    def opened(self) -> list[GeneratedCase]:
        return [c for c in self.cases if self.within(c.opened_at)]

    def closed(self) -> list[GeneratedCase]:
        return [c for c in self.cases if self.within(c.closed_at)]

    def still_open(self) -> int:
        return sum(
            self.day(c.opened_at) <= self.end and (c.closed_at is None or self.day(c.closed_at) > self.end) for c in self.cases
        )

    def arrived(self, stage: str, *, system: bool = False) -> int:
        return sum(
            any(
                e["kind"] == "action"
                and e["stage_after"] == stage
                and self.within(e["at"])
                and (not system or e["actor"] == "system")
                for e in c.events
            )
            for c in self.cases
        )

    def missed(self, kind: str | None = None) -> list[dict]:
        return [
            t
            for c in self.cases
            for t in c.timers
            if t["status"] == "fired" and self.within(t["due_at"]) and kind in (None, t["kind"])
        ]

    def resolution(self) -> list[int]:
        return [school_days(self.app, self.day(c.opened_at), self.day(c.closed_at)) for c in self.closed() if c.closed_at]

    def stays(self, stage: str) -> list[int]:
        return [
            school_days(self.app, self.day(s.entered), self.day(s.left))
            for c in self.cases
            for s in c.stays
            if s.stage == stage and s.left is not None and self.within(s.left)
        ]


def school_days(app: Redress, start: date, end: date) -> int:
    """The school days after `start` up to and including `end`, counted one day at a time."""
    return sum(app.calendar.is_school_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))


def assert_days(measured: SchoolDays, values: list[int]) -> None:
    assert measured.count == len(values)
    if len(values) >= 2:
        assert measured.median == pytest.approx(statistics.median(values), abs=0.006)
        assert measured.p90 == pytest.approx(statistics.quantiles(values, n=10, method="inclusive")[8], abs=0.006)


def counts(report: Report, section: str) -> dict[str, int]:
    return {c.key: c.value for c in getattr(report, section)}


def check_every_figure(report: Report, expected: Expected) -> None:
    opened, spec = expected.opened(), expected.app.current_workflow().spec
    assert counts(report, "totals") == {
        "opened": len(opened),
        "closed": len(expected.closed()),
        "still_open": expected.still_open(),
        "removal_confirmed": sum(c.facts.get("confirm_removal", {}).get("removal_confirmed") is True for c in opened),
    }
    assert counts(report, "categories") == {name: sum(name in c.categories for c in opened) for name in spec.categories}
    assert counts(report, "stages") == {name: sum(c.stage == name for c in opened) for name in spec.stages}
    assert {k: v for k, v in counts(report, "outcomes").items() if v} == Counter(c.outcome for c in expected.closed())
    by_month = Counter(f"{expected.day(c.opened_at):%Y-%m}" for c in opened)
    assert {k: v for k, v in counts(report, "periods").items() if v} == by_month
    assert counts(report, "escalations") == {
        "escalated_to_chair": expected.arrived("chair_meeting"),
        "escalated_automatically": expected.arrived("chair_meeting", system=True),
        "legal_advice": expected.arrived("legal_advice"),
        "referred_to_authorities": expected.arrived("referred_to_authorities"),
    }
    assert counts(report, "deadlines_missed") == {
        "total": len(expected.missed()),
        "reminders": len(expected.missed("reminder")),
        "escalations": len(expected.missed("escalation")),
        "cases": len({t["case_id"] for t in expected.missed()}),
    }
    assert_days(report.resolution, expected.resolution())
    for measured in report.stage_days:
        assert_days(measured, expected.stays(measured.key))


def test_the_history_has_every_category_stage_and_outcome(app, history):
    spec = app.current_workflow().spec
    assert {name for c in history for name in c.categories} == set(spec.categories)
    assert {s.stage for c in history for s in c.stays} | {c.stage for c in history} == set(spec.stages)
    assert {c.outcome for c in history if c.outcome} == {a.outcome for a in spec.actions.values() if a.outcome}
    assert any(c.closed_at is None for c in history) and any(t["status"] == "fired" for c in history for t in c.timers)
    assert any(e["actor"] == "system" and e["kind"] == "action" for c in history for e in c.events)


def test_every_figure_of_the_whole_history_matches_an_independent_count(app, history):
    report = build_report(app)
    first = min(c.opened_at for c in history).astimezone(app.zone).date()
    assert (report.start, report.end) == (first, MONDAY.date())
    check_every_figure(report, Expected(app, history, report.start, report.end))


@pytest.mark.parametrize(("start", "end"), [(date(2025, 1, 1), date(2025, 12, 31)), (date(2024, 3, 30), date(2024, 10, 27))])
def test_every_figure_of_a_period_matches_an_independent_count(app, history, start, end):
    # The second period starts and ends on the weekends the clocks change.
    check_every_figure(build_report(app, start, end), Expected(app, history, start, end))


def test_terms_follow_the_english_convention_when_no_term_dates_are_configured(app, history):
    report = build_report(app, date(2024, 1, 1), date(2025, 12, 31), "term")

    def season(day: date) -> str:
        if day.month >= 9:
            return f"autumn-{day.year}"
        return f"spring-{day.year}" if day <= EASTER[day.year] else f"summer-{day.year}"

    expected = Expected(app, history, report.start, report.end)
    assert counts(report, "periods") == Counter(season(expected.day(c.opened_at)) for c in expected.opened())
    assert [p.key for p in report.periods] == [f"{s}-{y}" for y in (2024, 2025) for s in ("spring", "summer", "autumn")]


def test_an_empty_database_reports_every_category_at_zero(app):
    report = build_report(app, date(2026, 1, 1), date(2026, 3, 31))
    assert len(report.categories) == 11 and all(c.value == 0 for c in report.categories)
    assert report.resolution.count == 0 and report.resolution.median is None
    assert [p.key for p in report.periods] == ["2026-01", "2026-02", "2026-03"]


def test_a_period_that_ends_before_it_starts_is_refused(app):
    with pytest.raises(BadInput, match="swap --from and --to"):
        build_report(app, date(2026, 3, 1), date(2026, 2, 1))


def test_cases_moved_by_the_engine_are_counted(app):
    # The generator writes rows the way the engine does: check that against the engine itself.
    escalated = open_case(app, "threat_of_violence", by=COORDINATOR)
    act(app, escalated, "acknowledge", staff_reassured="yes")
    act(app, escalated, "escalate_to_chair", reason="Threats continue")
    redirected = open_case(app, "school_complaint")
    act(app, redirected, "redirect_to_complaints", reason="A complaint about homework")
    report = build_report(app)
    assert report.count("totals", "opened") == 2 and report.count("totals", "closed") == 1
    assert report.count("escalations", "escalated_to_chair") == 1 and report.count("escalations", "escalated_automatically") == 0
    assert report.count("outcomes", "redirected to the complaints procedure") == 1
    assert report.count("stages", "chair_meeting") == 1
    assert report.resolution.count == 1 and report.resolution.median == 0
    assert {d.key: d.count for d in report.stage_days}["reported"] == 2


def test_the_annual_review_offers_only_what_the_data_truly_answers(app, history):
    items = {i.point: i for i in build_annual(app, 2026).sheet.items}
    assert len(items) == 26
    coordinator = items["Coordinator in place"]
    assert (coordinator.answer_label, coordinator.from_data) == ("Yes", True) and "1 active person(s)" in coordinator.evidence
    director = items["Nominated Director in place"]  # a chair is in Redress, but nobody is named nominated director
    assert director.answer == "" and "Nobody active in Redress holds the role 'Nominated director'" in director.evidence
    assert items["Policy annually reviewed"].answer == ""  # no review of 2025 signed off in Redress
    assert (items["Funding in place"].answer, items["Funding in place"].evidence) == ("", "")
    procedures = items["All outlined procedures complied with"]  # counts as evidence, the answer left to the reviewers
    assert procedures.answer == "" and "case(s) opened" in procedures.evidence and "deadline(s)" in procedures.evidence
    with app.db.unit_of_work() as session:
        session.execute(update(Person).where(Person.email == COORDINATOR).values(active=False))
        session.add(
            OutboxMessage(
                template="policy_review",
                recipient_email=HEAD,
                subject="Review",
                body_text="",
                body_html="",
                message_id="<review@x>",
                next_attempt_at=MONDAY,
                created_at=datetime(2026, 3, 1, 8, tzinfo=MONDAY.tzinfo),
            )
        )
    items = {i.point: i for i in build_annual(app, 2026).sheet.items}
    assert items["Coordinator in place"].answer == ""  # nobody in Redress is not proof there is nobody
    reviewed = items["Policy annually reviewed"]  # a reminder sent is not a review held
    assert reviewed.answer == "" and "01 March 2026" in reviewed.evidence


def test_the_annual_review_compares_with_the_year_before(app, history):
    review = build_annual(app, 2025)
    assert (review.current.start, review.current.end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert (review.previous.start, review.previous.end) == (date(2024, 1, 1), date(2024, 12, 31))
    expected = Expected(app, history, date(2024, 1, 1), date(2024, 12, 31))
    assert review.previous.count("totals", "opened") == len(expected.opened())
    with pytest.raises(BadInput, match="has not started"):
        build_annual(app, 2027)


def test_the_report_indexes_are_in_the_migrated_schema(app):
    indexes = {
        (table, ix["name"]) for table in ("cases", "audit_events", "timers") for ix in inspect(app.db.engine).get_indexes(table)
    }
    assert {
        ("cases", "ix_cases_opened_at"),
        ("audit_events", "ix_audit_stays"),
        ("audit_events", "ix_audit_arrivals"),
        ("timers", "ix_timers_fired"),
    } <= indexes


def test_a_case_still_open_does_not_count_as_resolved(app):
    case_id = open_case(app, "staff_offensive")
    cases.take_action(app, case_id, "acknowledge", HEAD, {"staff_reassured": "yes"})
    report = build_report(app)
    assert report.count("totals", "still_open") == 1 and report.resolution.count == 0


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # SQLite has no snapshots to share
def test_the_second_connection_reads_the_same_snapshot_on_postgresql(app):
    with app.db.reading() as first:
        snapshot = share_snapshot(first, None)
        before = first.scalar(select(func.count()).select_from(Case))
        open_case(app, "staff_offensive")  # committed by another transaction meanwhile
        with app.db.reading() as second:
            assert share_snapshot(second, snapshot) == snapshot
            assert second.scalar(select(func.count()).select_from(Case)) == before
    with app.db.reading() as later:
        assert later.scalar(select(func.count()).select_from(Case)) == before + 1
