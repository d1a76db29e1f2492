"""End to end over real SMTP: the people the workflow names receive their email from the worker."""

from __future__ import annotations

import json
from email.utils import parseaddr

import pytest

from notifications.mailbox import list_messages, read_message, running_mailbox
from tests.e2e.schools import the_school

pytestmark = pytest.mark.slow


@pytest.fixture
def mailbox(tmp_path):
    folder = tmp_path / "mail"
    with running_mailbox(folder) as port:
        yield folder, port


@pytest.fixture
def redress(tmp_path, template, mailbox):
    _, port = mailbox
    return template(the_school).copy(
        tmp_path,
        REDRESS_SMTP_HOST="127.0.0.1",
        REDRESS_SMTP_PORT=str(port),
        REDRESS_DIGEST_ENABLED="false",
        REDRESS_POLICY_REVIEW_ENABLED="false",
    )


def _received(folder) -> list[tuple[str, str]]:
    return [(parseaddr(m.to)[1], m.subject) for m in list_messages(folder)]


def test_staff_reassured_equalities_told_and_chair_emailed_on_escalation(redress, mailbox):
    folder, _ = mailbox
    case = redress(
        "case",
        "open",
        "--category",
        "racist_or_homophobic",
        "--summary",
        "A racist comment about Mr Staff <script>alert(1)</script>",
        "--staff",
        "sam@school.example",
        "--as",
        "coordinator@school.example",  # the headteacher is told of it: nobody is told of their own action
    ).out.strip()
    redress("worker", "--once")
    received = _received(folder)
    recipients = sorted(to for to, _ in received)
    assert recipients == ["equalities@school.example", "head@school.example", "sam@school.example"], received

    redress("case", "act", case, "escalate_to_chair", "--field", "reason=The posts continue", "--as", "head@school.example")
    redress("worker", "--once")
    chair = [n for n, m in enumerate(list_messages(folder), start=1) if "chair@school.example" in m.to]
    assert len(chair) == 1
    message = read_message(folder, chair[0])
    assert message["Message-ID"].startswith("<") and "redress" in message["Message-ID"]
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "The posts continue" in text
    assert "<script>" not in html  # the summary arrives inert
    audit = redress("case", "audit", case, "--json", "--as", "head@school.example").out
    sent = [e for e in json.loads(audit)["events"] if e["kind"] == "email_sent"]  # the events, not their chronology
    assert len(sent) == 4  # three on opening; the chair on escalation (not the headteacher, who escalated)
