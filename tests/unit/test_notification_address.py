"""Which email addresses a mail server will take, and their normal form: no network."""

from __future__ import annotations

import pytest

from notifications import check_address


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("sam@school.example", "sam@school.example"),
        ("  Sam.Staff@School.Example  ", "Sam.Staff@school.example"),  # the domain's case is folded; the local part's is kept
        ("o'brien+year6@school.example", "o'brien+year6@school.example"),
        ("a@exämple.com", "a@xn--exmple-cua.com"),
        ("head@straße.de", "head@xn--strae-oqa.de"),  # IDNA 2008: ß stays ß, never "strasse"
        ("a@EXÄMPLE.com", "a@xn--exmple-cua.com"),
        ("sam@school.example.", "sam@school.example"),
        ("redress@localhost", "redress@localhost"),
        ("x" * 64 + "@school.example", "x" * 64 + "@school.example"),
    ],
)
def test_a_deliverable_address_comes_back_in_normal_form(typed: str, normal: str) -> None:
    assert check_address(typed) == normal


@pytest.mark.parametrize(
    ("typed", "because"),
    [
        ("josé@example.com", "non-ASCII letters before the @"),
        ("", "empty"),
        ("   ", "empty"),
        ("sam", "not an email address"),
        ("sam@", "not an email address"),
        ("@school.example", "not an email address"),
        ("sam@school", "no full domain"),
        ("sam@1.2.3.4", "no full domain"),
        ("sam@[10.0.0.1]", "not one email address"),
        ("sam@school.example, spy@evil.example", "not one email address"),
        ("Sam <sam@school.example>", "not one email address"),
        ("sam@school.example\r\nBcc: spy@evil.example", "not one email address"),
        ("sam@school.example\x00", "not one email address"),
        ('"sam smith"@school.example', "not one email address"),
        ("sam..smith@school.example", "characters or dots"),
        (".sam@school.example", "characters or dots"),
        ("sam@school@evil.example", "characters or dots"),
        ("sam@-school.example", "malformed domain"),
        ("sam@school_1.example", "malformed domain"),
        ("sam@school..example", "malformed domain"),
        ("x" * 65 + "@school.example", "more than 64 characters"),
        ("sam@" + "a" * 64 + ".example", "malformed domain"),
        ("sam@" + ("a" * 60 + ".") * 5 + "example", "longer than 253"),
        ("x" * 64 + "@" + ("a" * 60 + ".") * 3 + "a" * 10 + ".example", "too long"),
        ("sam@exa mple.com", "not one email address"),
        ("sam@xn--.example", "malformed domain"),
        ("sam@\u2603\ufe0f.example", "cannot be written for email"),
    ],
)
def test_an_address_a_mail_server_would_refuse_is_refused_with_one_line_saying_why(typed: str, because: str) -> None:
    with pytest.raises(ValueError, match=because) as refused:
        check_address(typed)
    assert "\n" not in str(refused.value) and "\r" not in str(refused.value)
