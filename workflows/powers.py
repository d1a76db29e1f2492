"""The powers a workflow hands out: what a person may do or is sent beyond taking actions on a case.

Which decision each power stands for is written in code (the engine asks `Workflow.may`), so each
is named here once; who holds it is data, declared in the `permissions:` block of workflows.yaml,
and `workflow check` insists that every power below is given out there.
"""

from __future__ import annotations

POWERS: dict[str, str] = {
    "see_every_case": "see every case in full",
    "see_prejudice_cases": "see in full every case with a category flagged 'prejudice'",
    "see_safeguarding_cases": "see in full every case with a category flagged 'safeguarding' (about a pupil)",
    "read_incident_log": "read the incident log, and so see every case at least as a line of it",
    "read_report": "read the monitoring report",
    "keep_records": "add evidence, notes and meetings to a case they see in full",
    "manage_people": "add people, give them roles and issue their passwords",
    "read_people_changes": "read the school's trail of people changes (added, deactivated, roles, passwords)",
    "resend_email": "see the outbox of email and send failed messages again",
    "write_letters": "write the letters to the poster (and sign those written for the school)",
    "migrate_cases": "move an open case to the current version of the workflow",
    "receive_digest": "receive the daily digest of overdue and due cases",
    "receive_review_reminder": "receive the yearly reminder to review the policy",
    "coordinate_esafety": "act as the policy's e-Safety coordinator (the annual review asks that someone does)",
    "triage_reports": "read the reports staff make of posts about themselves, and open a case from one or decline it",
    "answer_subject_requests": "log subject access requests, find everything about one person across the cases they see, "
    "and export it with other people redacted",
    "oversee_esafety": "act as the policy's nominated director (the annual review asks that someone does)",
    "head_school": "act as the headteacher the policy names (one of the three who sign off the annual review)",
    "read_annual_review": "open and download the annual review, and see its checklist and sign-off",
    "erase_records": "erase a file uploaded by mistake, purge the cases the retention schedule says are due, read the certificates",
    "hold_cases": "put a case under a legal hold (legal advice, the police) so it is never purged, and release it",
}
"""Every power, with what it lets its holders do (said in `workflow check` and the docs)."""
