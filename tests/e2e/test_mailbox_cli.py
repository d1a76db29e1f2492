"""End to end: `redress mailbox` catches mail on loopback, then lists and shows it, as a developer uses it."""

from __future__ import annotations

import re
import signal
import smtplib
from pathlib import Path

import pytest

from tests.e2e.cli import Redress

pytestmark = pytest.mark.slow

MESSAGE = (
    "From: Redress <redress@school.example>\r\nTo: Sam Staff <sam@school.example>\r\n"
    "Subject: Comments posted online about you\r\nMessage-ID: <1.2@school.example>\r\n\r\nWe are dealing with it.\r\n"
)


def test_the_mailbox_keeps_what_it_receives_until_stopped_then_lists_and_shows_it(tmp_path: Path, sqlite_url: str) -> None:
    redress = Redress(tmp_path, sqlite_url)
    server = redress.popen("mailbox", "--dir", "caught", "--port", "0")
    try:
        assert server.stderr is not None
        ready = server.stderr.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)", ready)[1])  # type: ignore[index]
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("redress@school.example", ["sam@school.example"], MESSAGE)
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=20)
    assert server.returncode == 0

    listed = redress("mailbox", "--dir", "caught", "--list").out
    shown = redress("mailbox", "--dir", "caught", "--show", "1").out
    missing = redress("mailbox", "--dir", "caught", "--show", "2", ok=False)

    assert re.search(r"^\s+1\s.*Sam Staff <sam@school.example>\s+Comments posted online about you$", listed, re.M)
    assert "Message-ID: <1.2@school.example>" in shown and "We are dealing with it." in shown
    assert missing.code == 1 and "no message 2" in missing.err
