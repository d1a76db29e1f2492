"""Settings: defaults < redress.toml < REDRESS_* variables, each value's source, and clear errors."""

from __future__ import annotations

import os
from datetime import date, time
from pathlib import Path

import pytest

from engine.errors import BadInput
from engine.settings import SETTING_NAMES, Settings, load_settings, shown_value
from redress.cli import main


def write_toml(folder: Path, text: str, name: str = "redress.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_with_no_file_and_no_variables_every_setting_is_its_default(tmp_path: Path) -> None:
    settings = load_settings({}, tmp_path)
    assert settings.school_name == "Our school"
    assert settings.timezone == "Europe/London"
    assert settings.nation == "england"
    assert settings.terms == () and settings.closures == ()
    assert settings.deadline_time == time(9)
    assert (settings.working_hours.start, settings.working_hours.end) == (time(8), time(18))
    assert settings.database_url == "sqlite:///./redress.db"
    assert settings.smtp_host is None and settings.smtp_port == 25 and settings.smtp_security == "none"
    assert settings.data_dir == tmp_path / "data"
    assert settings.policy_review_on(2027) == date(2027, 3, 1)
    assert all(settings.source(name) == "default" for name in SETTING_NAMES)


def test_values_in_redress_toml_are_read_and_say_where_they_came_from(tmp_path: Path) -> None:
    write_toml(
        tmp_path,
        """
school_name = "St Example's Academy"
nation = "wales"
closures = [2025-09-01, 2026-01-05]
deadline_time = "08:30"
data_dir = "evidence"

[[terms]]
start = 2025-09-03
end = 2025-10-24

[working_hours]
start = 07:30:00
end = "17:00"
""",
    )
    settings = load_settings({}, tmp_path)
    assert settings.school_name == "St Example's Academy"
    assert settings.nation == "wales"
    assert settings.closures == (date(2025, 9, 1), date(2026, 1, 5))
    assert [(t.start, t.end) for t in settings.terms] == [(date(2025, 9, 3), date(2025, 10, 24))]
    assert settings.deadline_time == time(8, 30)
    assert settings.working_hours.start == time(7, 30)
    assert settings.data_dir == tmp_path / "evidence"
    assert settings.source("nation") == "redress.toml"
    assert settings.source("timezone") == "default"


def test_an_environment_variable_wins_over_the_file_and_the_source_says_so(tmp_path: Path) -> None:
    write_toml(tmp_path, 'timezone = "Europe/Dublin"\nsmtp_port = 587\n')
    settings = load_settings({"REDRESS_TIMEZONE": "Europe/London"}, tmp_path)
    assert settings.timezone == "Europe/London"
    assert settings.source("timezone") == "env REDRESS_TIMEZONE"
    assert settings.smtp_port == 587 and settings.source("smtp_port") == "redress.toml"


def test_list_settings_are_comma_separated_in_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {"REDRESS_CLOSURES": "2026-01-05, 2026-02-16", "REDRESS_TERMS": "2025-09-03..2025-10-24,2025-11-03..2025-12-19"},
        tmp_path,
    )
    assert settings.closures == (date(2026, 1, 5), date(2026, 2, 16))
    assert [str(term) for term in settings.terms] == ["2025-09-03..2025-10-24", "2025-11-03..2025-12-19"]


def test_booleans_times_and_hours_are_read_from_environment_text(tmp_path: Path) -> None:
    settings = load_settings(
        {"REDRESS_DIGEST_ENABLED": "false", "REDRESS_DIGEST_TIME": "06:45", "REDRESS_WORKING_HOURS": "07:00-19:30"}, tmp_path
    )
    assert settings.digest_enabled is False
    assert settings.digest_time == time(6, 45)
    assert str(settings.working_hours) == "07:00-19:30"


def test_an_empty_variable_is_ignored(tmp_path: Path) -> None:
    assert load_settings({"REDRESS_SMTP_HOST": ""}, tmp_path).smtp_host is None


def test_redress_config_names_the_file_to_read(tmp_path: Path) -> None:
    elsewhere = tmp_path / "etc"
    elsewhere.mkdir()
    path = write_toml(elsewhere, 'school_name = "Hillside"\nmailbox_dir = "mail"\n', name="school.toml")
    settings = load_settings({"REDRESS_CONFIG": str(path)}, tmp_path)
    assert settings.school_name == "Hillside"
    assert settings.source("school_name") == "etc/school.toml"
    assert settings.mailbox_dir == elsewhere / "mail"  # relative to the file, not the current folder


def test_redress_config_naming_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"REDRESS_CONFIG names nowhere\.toml, which is not a file"):
        load_settings({"REDRESS_CONFIG": "nowhere.toml"}, tmp_path)


def test_bad_toml_is_reported_with_its_line_and_column(tmp_path: Path) -> None:
    write_toml(tmp_path, 'school_name = "Hillside"\ntimezone = Europe/London\n')
    with pytest.raises(BadInput, match=r"^redress\.toml:2:12: Invalid value: fix the TOML syntax"):
        load_settings({}, tmp_path)


def test_an_unknown_key_suggests_the_setting_meant(tmp_path: Path) -> None:
    write_toml(tmp_path, "smtp_hots = 'mail.example.org'\n")
    with pytest.raises(BadInput, match=r"redress\.toml: unknown setting 'smtp_hots': did you mean 'smtp_host'\?"):
        load_settings({}, tmp_path)


def test_a_misspelt_variable_suggests_the_one_meant_and_unrelated_ones_are_left_alone(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="REDRESS_TIMEZONES is not a setting: did you mean REDRESS_TIMEZONE"):
        load_settings({"REDRESS_TIMEZONES": "Europe/London"}, tmp_path)
    unrelated = {"REDRESS_PG_TEST_SERVER": "1", "REDRESS_TEST_DATABASE_URL": "postgresql://localhost/test"}
    assert load_settings(unrelated, tmp_path).database_url == "sqlite:///./redress.db"


def test_an_unknown_time_zone_names_the_variable_and_what_to_write(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"^REDRESS_TIMEZONE: 'Europe/Londn' is not a known time zone: write an IANA time zone"):
        load_settings({"REDRESS_TIMEZONE": "Europe/Londn"}, tmp_path)


def test_a_bad_value_in_the_file_names_the_file_the_setting_and_the_value(tmp_path: Path) -> None:
    write_toml(tmp_path, 'smtp_port = "submission"\n')
    with pytest.raises(BadInput, match=r"redress\.toml:1: smtp_port: .*\(got 'submission'\): write a port number"):
        load_settings({}, tmp_path)


def test_every_bad_value_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as caught:
        load_settings({"REDRESS_NATION": "mercia", "REDRESS_WORKING_HOURS": "18:00-08:00"}, tmp_path)
    assert "REDRESS_NATION" in str(caught.value) and "REDRESS_WORKING_HOURS" in str(caught.value)


def test_a_term_that_ends_before_it_starts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"the term ends \(2025-09-01\) before it starts \(2025-09-03\)"):
        load_settings({"REDRESS_TERMS": "2025-09-03..2025-09-01"}, tmp_path)


def test_a_bad_password_is_never_echoed_in_an_error(tmp_path: Path) -> None:
    write_toml(tmp_path, "smtp_password = 123456789\n")
    with pytest.raises(BadInput) as caught:
        load_settings({}, tmp_path)
    assert "smtp_password" in str(caught.value) and "123456789" not in str(caught.value)


def test_the_password_in_a_database_url_is_masked_when_shown() -> None:
    settings = Settings(database_url="postgresql+psycopg://redress:s3cret@db.example.org/redress")
    assert shown_value(settings, "database_url") == "postgresql+psycopg://redress:***@db.example.org/redress"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run in an empty folder with no REDRESS_* variables from the machine running the tests."""
    for name in list(os.environ):
        if name.startswith("REDRESS_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_config_show_prints_each_value_and_source_with_the_password_masked(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_toml(clean_env, 'smtp_host = "mail.example.org"\nsmtp_password = "hunter2"\n')
    monkeypatch.setenv("REDRESS_NATION", "scotland")
    assert run(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out
    assert any(line.split()[:3] == ["smtp_password", "***", "[redress.toml]"] for line in out.splitlines())
    assert any(line.split()[:3] == ["nation", "scotland", "[env"] for line in out.splitlines())
    assert "every weekday that is not a bank holiday (Scotland) counts as a school day" in out


def test_config_show_with_a_bad_setting_prints_one_line_and_exits_1(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REDRESS_TIMEZONE", "Mars/Olympus_Mons")
    assert run(["config", "show"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("redress: REDRESS_TIMEZONE: 'Mars/Olympus_Mons' is not a known time zone")


@pytest.mark.parametrize(
    "sender", ["two@school.example, addresses@school.example", "Redress <redress@school.example>\nBcc: x@evil.example"]
)
def test_a_from_address_the_mail_server_would_refuse_is_refused_at_start(tmp_path: Path, sender: str) -> None:
    with pytest.raises(BadInput, match="REDRESS_SMTP_FROM"):
        load_settings({"REDRESS_SMTP_FROM": sender}, tmp_path)


@pytest.mark.parametrize("password", ["pa/ss", "p@ss", "p:ss", "p%25ss", "a/b@c:d%40e?f"])
def test_a_database_password_is_masked_whatever_characters_it_holds(password: str) -> None:
    from engine.settings_values import masked_url

    shown = masked_url(f"postgresql://redress:{password}@db.example.org:5432/redress")
    assert shown == "postgresql://redress:***@db.example.org:5432/redress"


def test_a_password_given_as_a_query_parameter_is_masked() -> None:
    settings = Settings(database_url="postgresql://redress@db.example.org/redress?sslmode=require&password=s3/cr@t")
    assert shown_value(settings, "database_url") == "postgresql://redress@db.example.org/redress?sslmode=require&password=***"


def test_an_unencoded_at_sign_in_the_password_is_refused_without_showing_it(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as caught:
        load_settings({"REDRESS_DATABASE_URL": "postgresql://u:top@secret@db/redress"}, tmp_path)
    assert "REDRESS_DATABASE_URL" in str(caught.value) and "%40" in str(caught.value) and "secret" not in str(caught.value)


def test_a_setting_named_like_a_secret_is_masked() -> None:
    from engine.settings_values import is_secret_name

    assert all(map(is_secret_name, ["secret_key", "smtp_password", "api_token", "signing_key"]))
    assert shown_value(Settings(secret_key="k" * 40), "secret_key") == "***"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("REDRESS_SECRET_KEY", "short", "too short"),
        ("REDRESS_BASE_URL", "javascript://alert(1)", "not an http:// or https:// address"),
        ("REDRESS_SMTP_HOST", "mail.example.org\r\nRCPT TO:<x@y>", "line break"),
        ("REDRESS_TEMPLATES_DIR", "/nowhere/at/all", "does not exist"),
    ],
)
def test_unsafe_settings_are_refused_naming_the_variable(tmp_path: Path, variable: str, value: str, words: str) -> None:
    with pytest.raises(BadInput, match=rf"^{variable}: .*{words}"):
        load_settings({variable: value}, tmp_path)


def test_a_refusal_in_the_file_names_its_line(tmp_path: Path) -> None:
    write_toml(tmp_path, 'school_name = "Hillside"\n\nbase_url = "ftp://files.example.org"\n')
    with pytest.raises(BadInput, match=r"^redress\.toml:3: base_url: "):
        load_settings({}, tmp_path)
