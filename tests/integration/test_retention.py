"""The retention schedule on a real SQLite file and a real PostgreSQL server: a case past its period is
purged, its trail still verifies and shows the certificate; a held case is not purged and the plan says
so; an allegation against staff waits for a person; the worker's purge runs only when turned on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.commands import erasure, records, retention
from engine.commands.evidence_store import evidence_path
from engine.commands.integrity import verify
from engine.errors import Refused
from engine.queries.cases import audit_trail
from store import Case, Evidence
from tests.conftest import CHAIR, COORDINATOR, HEAD
from tests.integration.helpers import act, open_case
from tests.integration.test_tamper import problems

SEVEN_YEARS = timedelta(days=7 * 366)


def closed_case(app, *categories: str, summary: str = "") -> int:  # type: ignore[no-untyped-def]
    case_id = open_case(app, *(categories or ("staff_offensive",)), summary=summary)
    records.add_evidence_file(app, case_id, HEAD, b"%PDF-1.4 the post, printed", "post.pdf", "the post")
    records.add_note(app, case_id, HEAD, "Mrs Jones (parent) called; upset about Mr Smith.")
    act(app, case_id, "close_no_action", reason="The post was deleted by Mrs Jones")
    return case_id


def status(app, case_id: int) -> retention.PlanLine:  # type: ignore[no-untyped-def]
    return next(line for line in retention.plan_retention(app, HEAD) if line.case_id == case_id)


def test_a_case_past_its_period_is_purged_and_its_trail_still_verifies(app):
    case_id = closed_case(app)
    assert status(app, case_id).status == "kept"
    assert "6 years from closure" in status(app, case_id).why and "IRMS" in status(app, case_id).why
    assert retention.purge(app, HEAD) == ()

    app.clock.advance(SEVEN_YEARS)
    line = status(app, case_id)
    assert (line.status, line.rule) == ("due", "complaints")
    with app.db.reading() as session:
        sha256 = session.scalar(select(Evidence.sha256).where(Evidence.case_id == case_id))

    (certificate,) = retention.purge(app, HEAD)

    assert certificate.case_id == case_id and certificate.actor == HEAD and certificate.rule == "complaints"
    assert not evidence_path(app.data_dir, sha256).exists()
    with app.db.reading() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.summary == "" and case.erased_at is not None
        assert case.outcome == "no further action" and case.closed_at is not None
    trail = audit_trail(app, case_id, verify=True)
    assert "Mrs Jones" not in str([e.data for e in trail.events if e.kind != "erased"])
    assert trail.verification is not None and trail.verification.ok, trail.verification
    assert trail.chronology[-1].headline == "Case content erased under the retention schedule"
    result = verify(app)
    assert result.ok, problems(result)
    assert result.erased == len(trail.events) - 1
    assert [c.case_id for c in erasure.certificates(app, HEAD)] == [case_id]
    assert all(line.case_id != case_id for line in retention.plan_retention(app, HEAD)), "a purged case is still planned"
    assert retention.purge(app, HEAD) == ()


def test_a_held_case_is_never_purged_and_the_plan_says_so(app):
    held, other = closed_case(app), closed_case(app)
    erasure.hold_case(app, held, CHAIR, "the police asked us to keep everything")
    app.clock.advance(SEVEN_YEARS)
    line = status(app, held)
    assert line.status == "held" and "the police asked us to keep everything" in line.why
    assert [c.case_id for c in retention.purge(app, HEAD)] == [other]
    with pytest.raises(Refused, match="not due"):
        retention.purge(app, HEAD, [held])
    with app.db.reading() as session:
        case = session.get(Case, held)
        assert case is not None and case.erased_at is None and case.summary
    erasure.release_hold(app, held, CHAIR, "the police closed their inquiry")
    assert [c.case_id for c in retention.purge(app, HEAD, [held])] == [held]
    assert verify(app).ok


def test_an_allegation_against_staff_waits_for_a_person(app):
    case_id = closed_case(app, "staff_allegation")
    app.clock.advance(timedelta(days=11 * 366))
    line = status(app, case_id)
    assert line.status == "review" and "retirement age" in line.why and "KCSIE" in line.why
    assert retention.purge(app, HEAD) == ()


def test_only_the_holders_of_the_power_plan_or_purge(app):
    closed_case(app)
    app.clock.advance(SEVEN_YEARS)
    for command in (retention.plan_retention, retention.purge):
        with pytest.raises(Refused, match=f"{COORDINATOR} may not"):
            command(app, COORDINATOR)
    assert status(app, 1).status == "due"


def test_the_workers_purge_runs_only_when_turned_on(app):
    case_id = closed_case(app)
    app.clock.advance(SEVEN_YEARS)
    assert retention.purge_due(app) == ()
    assert status(app, case_id).status == "due"
    app.settings = app.settings.model_copy(update={"retention_purge_enabled": True})
    (certificate,) = retention.purge_due(app)
    assert certificate.actor == "system" and certificate.case_id == case_id
    assert verify(app).ok


def test_a_malicious_allegations_details_go_on_closure_with_a_certificate(app):
    case_id = open_case(app, "staff_allegation", summary="A parent alleged Mr Smith hit a pupil")
    records.add_note(app, case_id, HEAD, "The pupil's account does not match the parent's.")
    with pytest.raises(Exception, match="malicious"):  # the confirmation, in the policy's words, is required
        act(app, case_id, "close_as_malicious")
    act(app, case_id, "close_as_malicious", malicious_confirmed="confirmed")
    with app.db.reading() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.erased_at is not None and case.outcome == "found malicious"
        assert case.summary == "" and case.facts == {}
    trail = audit_trail(app, case_id, verify=True)
    assert "Mr Smith" not in str([e.data for e in trail.events])
    assert trail.verification is not None and trail.verification.ok
    (certificate,) = erasure.certificates(app, HEAD, case_id)
    assert certificate.rule == "malicious_allegation" and certificate.actor == HEAD and "KCSIE" in certificate.rule_title
    assert verify(app).ok


def test_a_crash_before_the_erasure_is_written_leaves_the_malicious_allegation_open_with_its_details(app, monkeypatch):
    """The closure and the erasure are one unit of work: a process dying at the erasure's event undoes the
    closure too, so a case is never left closed as malicious with the allegation's details still on it."""
    from store import audit

    case_id = open_case(app, "staff_allegation", summary="A parent alleged Mr Smith hit a pupil")
    stage = audit_trail(app, case_id).events[-1].stage_after
    insert_event = audit.insert_event

    class Crash(Exception):
        pass

    def dies_at_the_erasure(session, values):  # type: ignore[no-untyped-def]
        if values["kind"] == "erased":
            raise Crash("the process died")
        insert_event(session, values)

    monkeypatch.setattr(audit, "insert_event", dies_at_the_erasure)
    with pytest.raises(Crash):
        act(app, case_id, "close_as_malicious", malicious_confirmed="confirmed")
    with app.db.reading() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.closed_at is None and case.erased_at is None and case.stage == stage
        assert case.summary == "A parent alleged Mr Smith hit a pupil"
    assert erasure.certificates(app, HEAD, case_id) == ()
    assert verify(app).ok


def test_only_an_allegation_against_staff_is_closed_as_malicious(app):
    case_id = open_case(app, "staff_offensive")
    with pytest.raises(Refused, match="allegation made about school staff"):
        act(app, case_id, "close_as_malicious", malicious_confirmed="confirmed")


def test_the_worker_schedules_the_monthly_purge_only_when_turned_on(app, monkeypatch):
    import threading

    from engine.worker.loop import _Worker

    def jobs() -> dict[str, object]:
        worker = _Worker(app, 10, threading.Event())
        monkeypatch.setattr(worker.scheduler, "start", lambda: None)  # the jobs as registered, none run
        worker.start()
        return {job.id: job.trigger for job in worker.scheduler.get_jobs()}

    assert "retention_purge" not in jobs()
    app.settings = app.settings.model_copy(update={"retention_purge_enabled": True})
    trigger = jobs()["retention_purge"]
    assert "day='1'" in str(trigger)


def test_a_purged_case_is_never_reopened(app):
    from engine.commands.corrections import reopen_case

    case_id = closed_case(app)
    app.clock.advance(SEVEN_YEARS)
    retention.purge(app, HEAD)
    with pytest.raises(Refused, match="cannot be reopened"):
        reopen_case(app, case_id, HEAD, "the parent complained again")
