"""The root `redress` group. Each command family lives in its own module, imported only when one of
its commands runs (redress/cli/lazy.py): `redress --help` and `redress case show` stay fast."""

from __future__ import annotations

import click

from redress.cli.lazy import Lazy, LazyGroup
from redress.program import started

COMMANDS = {
    "backup": Lazy(
        "redress.cli.backup_cmd:backup",
        "Write a consistent copy of the database and the evidence files to one tar.gz (mode 0600).",
    ),
    "case": Lazy("redress.cli.case_cmd:case", "Open, advance and audit cases."),
    "config": Lazy("redress.cli.config_cmd:config", "Show the settings in force (redress.toml, REDRESS_* variables, defaults)."),
    "evidence": Lazy("redress.cli.evidence_cmd:evidence", "The evidence store: files kept by their SHA-256."),
    "init": Lazy("redress.cli.setup_cmd:init", "Create or upgrade the database and load the workflow as the current version."),
    "mailbox": Lazy(
        "redress.cli.mailbox_cmd:mailbox",
        "Run a local mail catcher: an SMTP server on 127.0.0.1 that keeps every message in DIR.",
    ),
    "outbox": Lazy("redress.cli.outbox_cmd:outbox", "The email outbox: what was sent, what waits, what failed."),
    "people": Lazy("redress.cli.setup_cmd:people", "The people who use Redress, and their roles."),
    "retention": Lazy(
        "redress.cli.retention_cmd:retention", "The retention schedule: what falls due, the purge, the certificates of erasure."
    ),
    "report": Lazy(
        "redress.cli.report_cmd:report",
        "The monitoring report: cases by category, term or month, stage and outcome, escalations, "
        "school days taken and deadlines missed. Counts only: no names.",
    ),
    "restore": Lazy(
        "redress.cli.backup_cmd:restore",
        "Restore a backup: refused, with nothing written, unless every file matches the manifest.",
    ),
    "review": Lazy(
        "redress.cli.review_cmd:review",
        "The annual policy review: show it, answer its checklist, sign it off (the three reviewers the policy names).",
    ),
    "serve": Lazy("redress.cli.serve_cmd:serve", "Run the web app: pages for the school's staff and a JSON API under /api."),
    "subject": Lazy(
        "redress.cli.subject_cmd:subject",
        "Subject access requests: log, extend, find the person across cases, export (others redacted), answer.",
    ),
    "worker": Lazy(
        "redress.cli.worker_cmd:worker", "Fire deadlines (reminders and escalations) when they fall due, and send the outbox."
    ),
    "verify": Lazy(
        "redress.cli.verify_cmd:verify",
        "Verify the record: hashes, signatures, heads, checkpoints, state against history, evidence files.",
    ),
    "workflow": Lazy("redress.cli.workflow_cmd:workflow", "Check and draw the procedure in workflows.yaml."),
}
CASE_COMMANDS = {
    "export": Lazy(
        "redress.cli.export_cmd:export",
        "Export a case: chronology (HTML and PDF), evidence, audit trail, verification, MANIFEST.sha256.",
    ),
    # The letter is written from the outbox's module (it renders a template): `case show` need not import it.
    "letter": Lazy(
        "redress.cli.outbox_cmd:letter",
        "Draft a letter from a case (to the poster or the platform); --send-by records it as sent.",
    ),
    # Corrections and reopening, each with a reason kept in the record.
    "correct": Lazy("redress.cli.correct_cmd:correct", "Correct a case's summary or categories; prints each change, old -> new."),
    "staff": Lazy(
        "redress.cli.correct_cmd:staff", "Add (they are told at once) or remove a member of staff concerned, by EMAIL."
    ),
    "party": Lazy("redress.cli.correct_cmd:party", "Add or remove a pupil or a poster."),
    "withdraw": Lazy(
        "redress.cli.correct_cmd:withdraw", "Withdraw an evidence item from the case's list (the file and its record stay)."
    ),
    "hold": Lazy(
        "redress.cli.retention_cmd:hold",
        "Put a case under a legal hold (legal advice, the police): it is never purged while held.",
    ),
    "release": Lazy(
        "redress.cli.retention_cmd:release", "Release a case's legal hold: the retention schedule applies to it again."
    ),
    "erase-evidence": Lazy(
        "redress.cli.retention_cmd:erase_evidence",
        "Erase an evidence file uploaded by mistake: it leaves the store; a tombstone keeps who, when, why and its SHA-256.",
    ),
    "reopen": Lazy("redress.cli.correct_cmd:reopen", "Reopen a closed case into the stage its workflow declares for reopening."),
}


@click.group(
    cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails (or set REDRESS_DEBUG=1).")
def cli(debug: bool) -> None:
    """Redress: online complaints against the school community, carried through the school's procedure."""
    del debug  # read by `redress.cli.main`, which reports failures after this group has returned
    started()  # the command is found and imported: the program's collector resumes (redress/program.py)
