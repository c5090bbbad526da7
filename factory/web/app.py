"""`create_app`: the dashboard assembled from its page families (`factory.web.routes`), the
shared `Dashboard` they render through, and the security every response carries.

Thin, like the CLI: a route reads the request, calls the core, renders a template. Every page
is server-rendered HTML with its CSS inline; nothing is fetched from elsewhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import PackageLoader
from starlette.exceptions import HTTPException

from factory.config import FactoryConfig
from factory.review.render import environment
from factory.store import Store
from factory.web.actions import ActionRunner
from factory.web.dashboard import Dashboard
from factory.web.inputs import BadRequest, refuse_unstorable_text
from factory.web.routes import approvals, evals, halts, login, review, runs, sweeps
from factory.web.security import NotAllowed, Sessions, refuse_cross_origin

PAGE_FAMILIES = (review, runs, sweeps, evals, approvals, halts, login)

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

    # An unknown address, a GET on an action, a form the routes cannot read: the same page as
    # every other refusal, never a framework error page or a traceback.
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if request.url.path.startswith("/webhooks/"):
            return JSONResponse({"error": str(error.detail)}, status_code=error.status_code)
        answer = dashboard.refuse(request, _refusal_text(error), error.status_code)
        answer.headers.update(error.headers or {})
        return answer

    @app.exception_handler(RequestValidationError)
    async def unreadable(request: Request, error: RequestValidationError) -> HTMLResponse:
        return dashboard.refuse(request, "the request's fields cannot be read as sent", 400)

    # Only the dashboard's own routes: a router mounted later (the webhooks) reads its raw body
    # and is signed by its sender instead.
    guard = [Depends(refuse_unstorable_text), Depends(refuse_cross_origin)]
    for family in PAGE_FAMILIES:
        app.include_router(family.router(dashboard), dependencies=guard)
    return app


def _refusal_text(error: HTTPException) -> str:
    if error.status_code == 404:
        return "there is no such page on this dashboard"
    if error.status_code == 405:
        return "this address does not take that method (actions are forms: POST only)"
    return str(error.detail)
