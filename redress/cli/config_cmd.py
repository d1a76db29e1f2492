"""`redress config show`: every setting in force, where it came from, and what counts as a school day."""

from __future__ import annotations

import click

from engine.rules.school_days import SchoolCalendar
from engine.settings import SETTING_NAMES, load_settings, shown_value


@click.group()
def config() -> None:
    """Show the settings in force (redress.toml, REDRESS_* variables, defaults)."""


@config.command()
def show() -> None:
    """Print each setting, its value (secrets masked) and its source, then the school-day rules."""
    settings = load_settings()
    calendar = SchoolCalendar.from_settings(settings)
    width = max(map(len, SETTING_NAMES))
    rows = [(name, shown_value(settings, name), settings.source(name)) for name in SETTING_NAMES]
    value_width = min(max(len(value) for _, value, _ in rows), 48)
    click.echo("Settings (value, then where it came from):")
    for name, value, source in rows:
        click.echo(f"  {name:<{width}}  {value:<{value_width}}  [{source}]")
    click.echo("")
    click.echo("School days:")
    for line in calendar.describe():
        click.echo(f"  {line}")
