"""With no mail server and no mail catcher set, email goes nowhere, and those who look after the outbox are told
so on the dashboard and the Outbox page, rather than seeing messages wait without a word."""

from __future__ import annotations

from typing import Any

from engine.context import Redress
from engine.worker.loop import smtp_settings
from tests.conftest import COORDINATOR, HEAD, SAM

NOWHERE = "Email is not being sent"


def test_with_neither_a_server_nor_the_catcher_set_the_outbox_keepers_are_told(app: Redress, browser: Any) -> None:
    app.settings = app.settings.model_copy(update={"smtp_host": None, "mailbox_port": None})
    assert app.settings.mail_goes_nowhere and smtp_settings(app.settings) is None
    head = browser(HEAD)
    assert NOWHERE in head.get("/").text and NOWHERE in head.get("/outbox").text
    assert NOWHERE not in browser(SAM).get("/").text  # not theirs to mend
    app.settings = app.settings.model_copy(update={"mailbox_port": 8025})
    assert not app.settings.mail_goes_nowhere and smtp_settings(app.settings) is not None
    outbox = browser(COORDINATOR).get("/outbox")
    assert outbox.status_code == 200 and "waiting to be sent" in outbox.text and NOWHERE not in outbox.text
