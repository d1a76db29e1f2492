"""`redress workflow check|show`: validate and draw the school's procedure."""

from __future__ import annotations

import difflib
from pathlib import Path

import click

import workflows
from engine.settings import load_settings
from engine.workflow_file import workflow_path
from workflows import render


def _load(file: str | None) -> workflows.Loaded:
    """Load FILE, or the configured workflow, checking template names against the templates in force."""
    from notifications.render import TemplateRenderer

    settings = load_settings()
    renderer = TemplateRenderer(settings.templates_dir)
    path = Path(file) if file else _relative(workflow_path(settings))
    return workflows.load(path, renderer.names())


def _relative(path: Path) -> Path:
    """Name the file as the person would: relative to where they are, when it is below it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _template_problems() -> list[str]:
    """Every template against the sample case, as a reader who sees it in full and as one who may not (the
    cut-down context of engine.rules.notices); and each name in `email_full_templates` an email template."""
    from engine.rules import notices
    from engine.rules.access import Sight
    from notifications.errors import TemplateError
    from notifications.render import TemplateRenderer, sample_context

    settings = load_settings()
    renderer = TemplateRenderer(settings.templates_dir)
    problems = renderer.check(sample_context())
    names = renderer.names()
    for name in sorted(names):
        limited = {**sample_context(), **notices.for_reader(sample_context(), Sight.LOG, name, "https://example.org/sign-in")}
        try:
            renderer.render_within(name, limited, notices.MINIMAL)
        except TemplateError as exc:
            problems.append(f"{exc} (for a reader who may not open the case in full)")
    for name in settings.email_full_templates:
        if name not in names:
            close = difflib.get_close_matches(name, sorted(names), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"email_full_templates: '{name}' is not an email template{hint}")
    return problems


@click.group()
def workflow() -> None:
    """Check and draw the procedure in workflows.yaml."""


@workflow.command()
@click.argument("file", required=False)
def check(file: str | None) -> None:
    """Validate FILE (default: the configured workflows.yaml) and render every email template against a
    sample case; print every problem as FILE:LINE:COL."""
    loaded = _load(file)
    spec = loaded.spec
    problems = _template_problems()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"redress: {len(problems)} template problem(s): fix them and run 'redress workflow check'", err=True)
        raise SystemExit(1)
    click.echo(
        f"{loaded.marks.file}: ok: '{spec.name}', {len(spec.stages)} stages, {len(spec.actions)} actions, "
        f"{sum(len(s.deadlines) for s in spec.stages.values())} deadlines, {len(spec.categories)} categories, "
        f"{_tracks(spec)} (version {spec.content_hash[:12]})"
    )


def _tracks(spec: workflows.Workflow) -> str:
    """'no tracks', or how many and how big they are together: '4 tracks (11 stages, 9 actions)'."""
    if not spec.tracks:
        return "no tracks"
    tracks = spec.tracks.values()
    return (
        f"{len(spec.tracks)} track{'s' if len(spec.tracks) != 1 else ''} ({sum(len(t.stages) for t in tracks)} stages, "
        f"{sum(len(t.actions) for t in tracks)} actions)"
    )


@workflow.command()
@click.argument("file", required=False)
@click.option(
    "--format",
    "format_",
    type=click.Choice(list(render.RENDERERS)),
    default="text",
    show_default=True,
    help="text: a readable list; mermaid: a stateDiagram-v2 for Markdown; dot: a Graphviz digraph.",
)
def show(file: str | None, format_: str) -> None:
    """Draw FILE (default: ./workflows.yaml): its stages, actions, deadlines and who may act."""
    spec = _load(file).spec
    click.echo(render.RENDERERS[format_](spec), nl=False)
