"""`Dashboard`: what every page family's routes share, and the one way a page is rendered.

Every page gets the same frame: who is logged in and their CSRF token, whether the dashboard is
read-only, the halts in force and the `[limits]` alerts of today and this month (banners on
every page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from factory.config import FactoryConfig
from factory.governance.liveness import observed_status
from factory.store import Store
from factory.web.actions import ActionRunner
from factory.web.security import CSRF_FIELD, SESSION_COOKIE, Session, Sessions
from factory.web.spend import limit_banner, run_spend

REFRESH_SECONDS = 2
"""How often a page of something still moving (a live run, a running sweep) reloads itself."""


@dataclass(frozen=True)
class Dashboard:
    """One per app: each page family's router is built around it."""

    config: FactoryConfig
    store: Store
    sessions: Sessions
    actions: ActionRunner
    templates: Environment

    def page(
        self, request: Request, name: str, status_code: int = 200, **values: Any
    ) -> HTMLResponse:
        session = self.sessions.find(request.cookies.get(SESSION_COOKIE))
        html = self.templates.get_template(name).render(
            request_path=request.url.path,
            who=session.who if session else None,
            csrf=session.csrf if session else None,
            csrf_field=CSRF_FIELD,
            read_only=self.sessions.read_only,
            halts=self.store.halts.active(),
            spend_alerts=limit_banner(self.store),
            spend_of=run_spend,
            run_link=lambda run_id: f"/runs/{quote(run_id)}",
            observed=observed_status,  # `running` only with a live driver, else `interrupted`
            **values,
        )
        return HTMLResponse(html, status_code=status_code)

    def refuse(self, request: Request, message: str, status_code: int) -> HTMLResponse:
        return self.page(request, "message.html", status_code=status_code, message=message)

    def acting(self, request: Request, csrf_token: str | None) -> Session:
        """The session a form acts for; NotAllowed without one or with a wrong CSRF token."""
        return self.sessions.authorize(request.cookies.get(SESSION_COOKIE), csrf_token)

    @property
    def repos(self) -> list[str]:
        return sorted(self.config.repos)
