"""The web app: server-rendered pages for the headteacher, the chair and the coordinator, and a JSON API.

Thin routes over the engine's commands; who may see what is decided in `engine.access`.
"""

from __future__ import annotations

from web.app import create_app

__all__ = ["create_app"]
