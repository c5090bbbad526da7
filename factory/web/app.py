"""`create_app`: the dashboard's routes. Thin, like the CLI: read the request, call the core,
render a template. Every page is server-rendered HTML with its CSS inline; nothing is fetched
from elsewhere."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import PackageLoader

from factory.config import FactoryConfig
from factory.governance.liveness import observed_status
from factory.review.build import ReviewError, ReviewOptions, build_review
from factory.review.render import environment
from factory.store import RunNotFoundError, Store
from factory.store.statuses import RunStatus
from factory.support.timespec import TimeSpecError, parse_moment
from factory.web.actions import ActionRunner
from factory.web.eval_pages import eval_router
from factory.web.run_page import run_page
from factory.web.runs_query import list_runs
from factory.web.security import CSRF_FIELD, SESSION_COOKIE, NotAllowed, Sessions
from factory.web.sweep_pages import SweepNotFoundError, list_sweep_rows, sweep_page

STATUSES = tuple(status.value for status in RunStatus)
REFRESH_SECONDS = 2


def create_app(config: FactoryConfig, store: Store, token: str | None) -> FastAPI:
    app = FastAPI(title="agent-factory", docs_url=None, redoc_url=None, openapi_url=None)
    sessions = Sessions(token)
    actions = ActionRunner(config, store)
    templates = environment(PackageLoader("factory.web", "templates"))
    app.state.actions = actions

    def page(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        session = sessions.find(request.cookies.get(SESSION_COOKIE))
        html = templates.get_template(name).render(
            request_path=request.url.path,
            who=session.who if session else None,
            csrf=session.csrf if session else None,
            csrf_field=CSRF_FIELD,
            read_only=sessions.read_only,
            halts=store.active_halts(),
            run_link=lambda run_id: f"/runs/{quote(run_id)}",
            observed=observed_status,  # `running` only with a live driver, else `interrupted`
            **values,
        )
        return HTMLResponse(html, status_code=status_code)

    def refuse(request: Request, message: str, status_code: int) -> HTMLResponse:
        return page(request, "message.html", status_code=status_code, message=message)

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        # Nothing but this origin's own inline CSS; no scripts at all; never framed.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, error: NotAllowed) -> HTMLResponse:
        return refuse(request, str(error), error.status)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/review", status_code=303)

    @app.get("/review", response_class=HTMLResponse)
    def review(
        request: Request,
        since: str = "30d",
        until: str = "",
        repo: str = "",
        team: str = "",
        verify: bool = True,
    ) -> HTMLResponse:
        options = ReviewOptions(
            since=since or "30d",
            until=until or None,
            repos=[repo] if repo else [],
            teams=[team] if team else [],
            verify_audit=verify,
        )
        try:
            result = build_review(config, store, options)
        except (ReviewError, TimeSpecError) as error:
            return refuse(request, str(error), 400)
        from factory.review.charts import review_charts

        return page(
            request,
            "review_page.html",
            review=result,
            charts=review_charts(result),
            form={"since": since, "until": until, "repo": repo, "team": team},
            repos=sorted(config.repos),
        )

    @app.get("/runs", response_class=HTMLResponse)
    def runs(
        request: Request,
        repo: str = "",
        status: str = "",
        sweep: str = "",
        since: str = "",
        until: str = "",
    ) -> HTMLResponse:
        if status and status not in STATUSES:
            return refuse(request, f"unknown status {status!r}; use one of {STATUSES}", 400)
        try:
            start = parse_moment(since, option="since") if since else None
            end = parse_moment(until, option="until") if until else None
        except TimeSpecError as error:
            return refuse(request, str(error), 400)
        found = list_runs(
            store,
            repo=repo or None,
            status=status or None,
            sweep=sweep or None,
            since=start,
            until=end,
        )
        return page(
            request,
            "runs.html",
            runs=found,
            statuses=STATUSES,
            repos=sorted(config.repos),
            form={"repo": repo, "status": status, "sweep": sweep, "since": since, "until": until},
        )

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run(request: Request, run_id: str) -> HTMLResponse:
        try:
            found = run_page(store, run_id)
        except RunNotFoundError as error:
            return refuse(request, str(error), 404)
        pending = run_id in actions.pending
        return page(
            request,
            "run.html",
            page=found,
            pending=pending,
            error=actions.errors.get(run_id),
            refresh=REFRESH_SECONDS if (found.live or pending) else None,
        )

    @app.get("/sweeps", response_class=HTMLResponse)
    def sweeps(request: Request) -> HTMLResponse:
        return page(request, "sweeps.html", sweeps=list_sweep_rows(store))

    @app.get("/sweeps/{sweep_id}", response_class=HTMLResponse)
    def sweep(request: Request, sweep_id: str) -> HTMLResponse:
        try:
            found = sweep_page(store, sweep_id)
        except SweepNotFoundError as error:
            return refuse(request, str(error), 404)
        live = found.sweep.status == "running"
        return page(request, "sweep.html", page=found, refresh=REFRESH_SECONDS if live else None)

    app.include_router(eval_router(store, page))

    @app.get("/approvals", response_class=HTMLResponse)
    def approvals(request: Request) -> HTMLResponse:
        waiting = list_runs(store, status=RunStatus.WAITING_APPROVAL.value)
        waiting.sort(key=lambda r: r.updated_at)
        return page(request, "approvals.html", waiting=waiting, repos=sorted(config.repos))

    @app.post("/runs/{run_id}/approve")
    def approve(
        request: Request,
        run_id: str,
        csrf_token: str | None = Form(None),
        comment: str = Form(""),
    ) -> Response:
        session = sessions.authorize(request.cookies.get(SESSION_COOKIE), csrf_token)
        answer = {"action": "approve", "by": session.who, "comment": comment or None}
        return _decide(request, run_id, answer)

    @app.post("/runs/{run_id}/reject")
    def reject(
        request: Request,
        run_id: str,
        csrf_token: str | None = Form(None),
        reason: str = Form(""),
    ) -> Response:
        session = sessions.authorize(request.cookies.get(SESSION_COOKIE), csrf_token)
        if not reason.strip():
            return refuse(request, "say why you reject it (the reason goes on the PR)", 400)
        answer = {"action": "reject", "by": session.who, "reason": reason.strip()}
        return _decide(request, run_id, answer)

    def _decide(request: Request, run_id: str, answer: dict[str, Any]) -> Response:
        from factory.run.runner import RunError

        try:
            actions.answer(run_id, answer)
        except RunNotFoundError as error:
            return refuse(request, str(error), 404)
        except RunError as error:
            return refuse(request, str(error), 409)
        return RedirectResponse(f"/runs/{quote(run_id)}", status_code=303)

    @app.post("/halt")
    def halt(
        request: Request,
        csrf_token: str | None = Form(None),
        scope: str = Form("all"),
        reason: str = Form(""),
    ) -> Response:
        session = sessions.authorize(request.cookies.get(SESSION_COOKIE), csrf_token)
        if scope != "all" and scope not in config.repos:
            return refuse(request, f"unknown repository {scope!r}", 400)
        if not reason.strip():
            return refuse(request, "a halt needs a reason", 400)
        actions.halt(scope, reason, session.who)
        return RedirectResponse("/approvals", status_code=303)

    @app.post("/unhalt")
    def unhalt(
        request: Request, csrf_token: str | None = Form(None), scope: str = Form("all")
    ) -> Response:
        session = sessions.authorize(request.cookies.get(SESSION_COOKIE), csrf_token)
        actions.unhalt(scope, session.who)
        return RedirectResponse("/approvals", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> HTMLResponse:
        return page(request, "login.html")

    @app.post("/login")
    def login(request: Request, token: str = Form(""), who: str = Form("")) -> Response:
        session_id = sessions.login(token, who)
        response = RedirectResponse("/approvals", status_code=303)
        response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="strict", path="/")
        return response

    @app.post("/logout")
    def logout(request: Request, csrf_token: str | None = Form(None)) -> Response:
        sessions.authorize(request.cookies.get(SESSION_COOKIE), csrf_token)
        sessions.logout(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/review", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return app
