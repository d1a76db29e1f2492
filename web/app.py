"""Build the FastAPI app around a wired Redress: the pages, the JSON API, the middleware, the error pages."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from engine import Redress
from web import errors
from web.api import cases as api_cases
from web.api import corrections as api_corrections
from web.api import letters as api_letters
from web.api import links as api_links
from web.api import records as api_records
from web.api import school as api_school
from web.api import subject as api_subject
from web.routes import (
    access,
    account,
    admin,
    browse,
    cases,
    corrections,
    custody,
    dashboard,
    erasure,
    letters,
    links,
    people,
    records,
    reports,
    signin,
    sso,
    subject,
    two_factor,
)
from web.security import BodyLimit, SecurityHeaders, secret_key

STATIC = Path(__file__).parent / "static"
THREADS = 4
SIGN_IN_THREADS = 16  # most of them wait at the gate of argon2 checks (engine.commands.auth), costing nothing
API_DESCRIPTION = """The same engine as the pages, as JSON. Sign in through the sign-in form (the session cookie
is the credential); every call that changes something carries the session's CSRF token (from `GET /api/me`)
in the `X-CSRF-Token` header. A case you may not see is 404; one you may see only in part is 403."""


def features() -> set[str]:
    """Optional parts that exist only when the package that does the work is installed beside us."""
    return {"report"} if importlib.util.find_spec("engine.report") is not None else set()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Few threads for the blocking work: with many, they only queue for the interpreter lock and each
    # request gets slower; with few, requests wait their turn in the event loop at no cost.
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    # Password sign-ins have a lane of their own: a flood of guesses (each an argon2 check, queued for one at
    # a time in engine.commands.auth) waits there and never takes the threads signed-in people's pages need.
    app.state.sign_in_lane = anyio.CapacityLimiter(SIGN_IN_THREADS)
    yield


class ApiOptions:
    """OPTIONS on an API address: 204 with the methods its OpenAPI document lists in Allow (404 for none),
    where the router would answer 405 to a method it was not given."""

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app, self.api = app, api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS" and str(scope["path"]).startswith("/api/"):
            await self._allow(str(scope["path"]))(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _allow(self, path: str) -> Response:
        for template, operations in self.api.openapi()["paths"].items():
            if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path):
                methods = sorted({m.upper() for m in operations} | {"OPTIONS"})
                return Response(status_code=204, headers={"Allow": ", ".join(methods)})
        return Response(status_code=404)


def create_app(redress: Redress, *, secret: str | None = None) -> FastAPI:
    """The web app for one Redress; `secret` signs the session cookies (default: from settings or the data folder)."""
    app = FastAPI(
        title="Redress",
        version="1",
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    redress.warm()  # a GET never parses workflow YAML
    app.state.redress = redress
    app.state.features = features()
    errors.install(app)
    for module in (
        signin,
        sso,
        two_factor,
        access,
        account,
        dashboard,
        cases,
        corrections,
        erasure,
        records,
        letters,
        links,
        reports,
        subject,
        custody,
        people,
        admin,
        browse,
    ):
        app.include_router(module.router)
    if "report" in app.state.features:
        from web.api import report as api_report
        from web.routes import report, review

        app.include_router(report.router)
        app.include_router(review.router)
        app.include_router(api_report.router)
    for api in (api_cases, api_records, api_letters, api_corrections, api_links, api_school, api_subject):
        app.include_router(api.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    base = redress.settings.base_url or ""
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret or secret_key(redress.settings),
        session_cookie="redress_session",
        max_age=redress.settings.session_hours * 3600,
        same_site="lax",
        https_only=base.startswith("https://"),
    )
    app.add_middleware(ApiOptions, api=app)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    return app
