"""`redress serve`: the web app under uvicorn, with the worker (deadlines and email) in a background thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import uvicorn

from engine.context import Redress
from web.app import create_app

log = logging.getLogger("redress.serve")


def start_worker(app: Redress, stop: threading.Event) -> threading.Thread:
    """The worker's own loop, stopped by `stop` (signals belong to uvicorn in the main thread)."""
    from engine.worker.loop import run_worker

    thread = threading.Thread(target=run_worker, args=(app,), kwargs={"stop": stop}, name="redress-worker", daemon=True)
    thread.start()
    return thread


def serve(app: Redress, host: str, port: int, *, worker: bool = True, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until SIGINT or SIGTERM; then stop the worker after its current batch."""
    web = create_app(app)
    stop = threading.Event()
    thread = start_worker(app, stop) if worker else None
    config = uvicorn.Config(
        web, host=host, port=port, log_level="info", server_header=False, proxy_headers=False, access_log=False
    )
    server = uvicorn.Server(config)
    if on_ready is not None:
        shown = f"[{host}]" if ":" in host else host
        on_ready(f"http://{shown}:{port}/")
    try:
        server.run()
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=60)
