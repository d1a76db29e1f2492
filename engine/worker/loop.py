"""The worker: fires deadlines as they fall due, sends the outbox, and sends the daily digest and the
yearly policy review reminder.

The timers table is the truth (invariant 2). APScheduler (memory job store only) just says when to
look: a `wake` job at the earliest pending due time, rescheduled after every firing; a `poll` that
reads only that earliest time every POLL_SECONDS, so a deadline written by another process is
noticed within a second; a `sweep` every `worker_sweep_seconds` as the safety net; the outbox every
DISPATCH_SECONDS; cron jobs for the digest and the review. The first wake is immediate, so deadlines
missed while no worker ran fire once, at start.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from engine.commands.evidence_store import sweep as sweep_evidence
from engine.commands.retention import purge_due
from engine.context import Redress
from engine.rules.timing import next_wake
from engine.settings import Settings
from engine.worker.digest import ReportsResult, send_digest_if_due, send_reports_if_due, send_review_if_due
from engine.worker.firing import FireResult, earliest_due, fire_due
from notifications.dispatch import DispatchResult, SmtpSettings, dispatch_due_sync

log = logging.getLogger("redress.worker")

POLL_SECONDS = 0.5
DISPATCH_SECONDS = 5
RETRY_BUSY = timedelta(seconds=1)
ONCE_PATIENCE = 10.0
"""--once waits this long at most for due timers of cases another transaction holds."""


NOWHERE = "email kept in the outbox: no mail server (smtp_host) or mail catcher (mailbox_port) is set"


def smtp_settings(settings: Settings) -> SmtpSettings | None:
    """The mail server; else the local mail catcher (`redress mailbox`) when `mailbox_port` is set (`make run`
    sets it); else None: the email waits in the outbox, sent nowhere, until one of them is configured."""
    if settings.mail_goes_nowhere:
        return None
    if not settings.smtp_host:
        assert settings.mailbox_port is not None  # mail_goes_nowhere otherwise
        return SmtpSettings(host="127.0.0.1", port=settings.mailbox_port, from_address=settings.smtp_from)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        user=settings.smtp_user,
        password=password,
        from_address=settings.smtp_from,
    )


@dataclass(frozen=True)
class OnceResult:
    fired: FireResult
    reports: ReportsResult
    mail: DispatchResult
    nowhere: bool = False
    """No mail server or catcher is set: nothing was sent, the email waits in the outbox."""

    def summary(self) -> str:
        mail = (
            NOWHERE
            if self.nowhere
            else f"sent {self.mail.sent} email(s), {self.mail.retried} to retry, {self.mail.failed} failed"
        )
        reports = f"digest to {self.reports.digest}, policy review to {self.reports.review}"
        return f"{self.fired.summary()}; {reports}; {mail}"


def run_worker(
    app: Redress,
    *,
    once: bool = False,
    batch: int = 200,
    stop: threading.Event | None = None,
    on_batch: Callable[[FireResult], None] | None = None,
) -> OnceResult | None:
    """`once`: fire what is due, send the digest or review if due, send the outbox once, and return.
    Otherwise run until `stop` is set, or until SIGINT or SIGTERM (from the main thread).
    `on_batch` is told what each batch of deadlines fired, after its transaction has committed."""
    if once:
        fired = fire_due(app, batch=batch, patience=ONCE_PATIENCE, on_batch=on_batch)
        reports = send_reports_if_due(app)
        smtp = smtp_settings(app.settings)
        if smtp is None:
            return OnceResult(fired, reports, DispatchResult(), nowhere=True)
        return OnceResult(fired, reports, dispatch_due_sync(app.db, smtp, app.clock.now()))
    stop = stop or threading.Event()
    worker = _Worker(app, batch, stop, on_batch)
    with _stopped_by_signals(stop):
        worker.start()
        try:
            while not stop.wait(1.0):
                pass
        finally:
            log.info("stopping: finishing the current batch")
            worker.scheduler.shutdown(wait=True)
    return None


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {signum: signal.signal(signum, handler) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


class _Worker:
    """The scheduled jobs. Firing, polling and the reports share one thread, so they never overlap;
    the outbox has its own, so a slow mail server never delays a deadline."""

    def __init__(self, app: Redress, batch: int, stop: threading.Event, on_batch: Callable[[FireResult], None] | None = None):
        self.app, self.batch, self.stop, self.on_batch = app, batch, stop, on_batch
        self.wake_at = app.clock.now()
        self.told_nowhere = False
        self.scheduler = BackgroundScheduler(
            timezone=app.zone,
            executors={"default": ThreadPoolExecutor(1), "mail": ThreadPoolExecutor(1)},
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )

    def start(self) -> None:
        settings, add = self.app.settings, self.scheduler.add_job
        now = self.app.clock.now()
        add(self.fire, "date", run_date=now, id="wake")
        add(send_reports_if_due, "date", run_date=now, args=[self.app], id="reports_on_start")
        add(self.fire, "interval", seconds=settings.worker_sweep_seconds, id="sweep")
        add(self.poll, "interval", seconds=POLL_SECONDS, id="poll")
        add(self.dispatch, "interval", seconds=DISPATCH_SECONDS, id="outbox", executor="mail", next_run_time=now)
        if settings.digest_enabled:
            at = settings.digest_time
            add(
                send_digest_if_due,
                CronTrigger(day_of_week="mon-fri", hour=at.hour, minute=at.minute, timezone=self.app.zone),
                args=[self.app],
                id="daily_digest",
            )
        # The nightly verification and checkpoint (engine.commands.integrity): before the digest reads it.
        add(self.verify, CronTrigger(hour=2, minute=30, timezone=self.app.zone), id="nightly_verify")
        # SQLite's planner statistics (PostgreSQL's autovacuum runs ANALYZE itself), at a quiet hour.
        add(self.app.db.optimize, CronTrigger(hour=3, minute=17, timezone=self.app.zone), id="optimize")
        # Evidence files a failed or interrupted upload left behind (no row names them), older than an hour.
        add(sweep_evidence, CronTrigger(hour=3, minute=37, timezone=self.app.zone), args=[self.app], id="evidence_sweep")
        if settings.policy_review_enabled:
            add(send_review_if_due, self._review_trigger(), args=[self.app], id="policy_review")
        # The retention purge (engine.commands.retention), only when the school turned it on: the 1st of each
        # month, after the nightly verification, so a purge never runs over a record that did not verify.
        if settings.retention_purge_enabled:
            add(self.purge, CronTrigger(day=1, hour=4, minute=7, timezone=self.app.zone), id="retention_purge")
        self.scheduler.start()
        log.info(
            "running: sweeping every %d s, polling for new deadlines every %s s", settings.worker_sweep_seconds, POLL_SECONDS
        )

    def _review_trigger(self) -> CronTrigger:
        # Every day at deadline_time: the date is the settings' (policy_review_date) until the annual review's
        # sign-off sets the next one, and review_due decides which holds and whether it is due.
        at = self.app.settings.deadline_time
        return CronTrigger(hour=at.hour, minute=at.minute, timezone=self.app.zone)

    def verify(self) -> None:
        from engine.commands.integrity import nightly

        result = nightly(self.app)
        log.info("verify: %s", "all hold" if result.ok else f"{len(result.problems)} problem(s): {result.problems[0]}")

    def purge(self) -> None:
        purge_due(self.app)

    def fire(self) -> None:
        result = fire_due(self.app, batch=self.batch, should_stop=self.stop.is_set, on_batch=self.on_batch)
        if result.fired or result.cancelled:
            log.info(result.summary())
        self._schedule_wake(next_wake(earliest_due(self.app), self.app.clock.now(), retry_after=RETRY_BUSY))

    def poll(self) -> None:
        earliest = earliest_due(self.app)
        if earliest is not None and earliest < self.wake_at:
            self._schedule_wake(max(earliest, self.app.clock.now()))

    def _schedule_wake(self, when: datetime | None) -> None:
        if self.stop.is_set():
            return
        if when is None:
            self.wake_at = datetime.max.replace(tzinfo=UTC)  # nothing pending: the poll notices the next one
            return
        self.wake_at = when
        self.scheduler.add_job(self.fire, "date", run_date=when, id="wake", replace_existing=True)

    def dispatch(self) -> None:
        smtp = smtp_settings(self.app.settings)
        if smtp is None:
            if not self.told_nowhere:
                log.warning(NOWHERE)
                self.told_nowhere = True
            return
        result = dispatch_due_sync(self.app.db, smtp, self.app.clock.now())
        if result.total:
            log.info("outbox: sent %d, %d to retry, %d failed", result.sent, result.retried, result.failed)
