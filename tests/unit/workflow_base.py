"""A minimal workflow text that passes every check, for tests to break in one place each.

Its lines are fixed, so a test can assert the exact FILE:LINE:COL of a problem while the
shipped workflows.yaml is free to change.
"""

from __future__ import annotations

# A minimal workflow that passes every check; each test breaks it in one place.
BASE = """\
name: A small procedure
categories:
  rude: {label: Rude comment}
  threat: {label: Threat, authorities: true}
roles:
  head: {label: Headteacher}
  chair: {label: Chair}
  system: {label: Redress}
relations:
  reporter: {label: Reporter}
open:
  roles: [head]
  notify:
    - {template: new_case, to: [head]}
stages:
  reported:
    title: Reported
    initial: true
    deadlines:
      - {name: chase, after: 2 school days, remind: [head]}
      - {name: overdue, after: 5 school days, escalate: escalate}
  with_chair:
    title: With the chair
    deadlines:
      - {name: chase_chair, after: 3 days, remind: [chair]}
  closed:
    title: Closed
    final: true
actions:
  escalate:
    title: Escalate to the chair
    from: reported
    to: with_chair
    roles: [head, system]
  close:
    title: Close
    from: [reported, with_chair]
    to: closed
    roles: [head, chair]
    guards: [has_evidence]
    fields:
      reason: {label: Why it is closed}
    notify:
      - {template: case_closed, to: [reporter], if_category: [rude]}
permissions:
  see_every_case: [head]
  see_prejudice_cases: [head]
  read_incident_log: [head]
  read_report: [head, chair]
  keep_records: [head, chair]
  manage_people: [head]
  resend_email: [head]
  write_letters: [head]
  migrate_cases: [head]
  receive_digest: [head]
  receive_review_reminder: [head]
  coordinate_esafety: [head]
  oversee_esafety: [chair]
  head_school: [head]
  read_annual_review: [head, chair]
  read_people_changes: [head, chair]
  triage_reports: [head]
  answer_subject_requests: [head]
  erase_records: [head]
  hold_cases: [head]
  see_safeguarding_cases: [head]
"""


def workflow(*edits: tuple[str, str]) -> str:
    """BASE with each `old` text (found exactly once) replaced by `new`."""
    text = BASE
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} should occur once in the base workflow"
        text = text.replace(old, new)
    return text
