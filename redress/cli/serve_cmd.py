"""`redress serve`: the web app, and by default the worker in the same process."""

from __future__ import annotations

import click

from redress.cli.common import app_context


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on (0.0.0.0 for every interface).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="The port to listen on.")
@click.option("--no-worker", is_flag=True, help="Do not run the worker here (deployments that run `redress worker` apart).")
def serve(host: str, port: int, no_worker: bool) -> None:
    """Run the web app: pages for the school's staff and a JSON API under /api."""
    from redress.serve import serve as run

    with app_context() as app:
        app.current_workflow()  # refuse at once, with the fix, when 'redress init' has not run
        run(
            app,
            host,
            port,
            worker=not no_worker,
            on_ready=lambda url: click.echo(
                f"redress serve: Redress is at {url}{'' if no_worker else ' (with the worker: deadlines and email)'}", err=True
            ),
        )
