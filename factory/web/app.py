"""`create_app`: the dashboard assembled from its page families (`factory.web.routes`), the
shared `Dashboard` they render through, and the security every response carries.

Thin, like the CLI: a route reads the request, calls the core, renders a template. Every page
is server-rendered HTML with its CSS inline; nothing is fetched from elsewhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import PackageLoader

from factory.config import FactoryConfig
from factory.review.render import environment
from factory.store import Store
from factory.web.actions import ActionRunner
from factory.web.dashboard import Dashboard
from factory.web.inputs import BadRequest, refuse_unstorable_text
from factory.web.routes import approvals, halts, login, review, runs, sweeps
from factory.web.security import NotAllowed, Sessions

PAGE_FAMILIES = (review, runs, sweeps, approvals, halts, login)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""Nothing but this origin's own inline CSS; no scripts at all; never framed."""


def create_app(config: FactoryConfig, store: Store, token: str | None) -> FastAPI:
    app = FastAPI(title="agent-factory", docs_url=None, redoc_url=None, openapi_url=None)
    dashboard = Dashboard(
        config=config,
        store=store,
        sessions=Sessions(token),
        actions=ActionRunner(config, store),
        templates=environment(PackageLoader("factory.web", "templates")),
    )
    app.state.actions = dashboard.actions  # the server waits for running actions on shutdown

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, error: NotAllowed) -> HTMLResponse:
        return dashboard.refuse(request, str(error), error.status)

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, error: BadRequest) -> HTMLResponse:
        return dashboard.refuse(request, str(error), error.status)

    # Only the dashboard's own routes: a router mounted later (the webhooks) reads its raw body.
    guard = [Depends(refuse_unstorable_text)]
    for family in PAGE_FAMILIES:
        app.include_router(family.router(dashboard), dependencies=guard)
    return app
