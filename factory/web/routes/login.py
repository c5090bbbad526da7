"""Logging in with `FACTORY_WEB_TOKEN` and a name (a session cookie: HttpOnly, SameSite=Strict),
and logging out, which needs the session's CSRF token like every other form."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from factory.web.dashboard import Dashboard
from factory.web.security import SESSION_COOKIE


def router(dashboard: Dashboard) -> APIRouter:
    routes = APIRouter()

    @routes.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> HTMLResponse:
        return dashboard.page(request, "login.html")

    @routes.post("/login")
    def login(request: Request, token: str = Form(""), who: str = Form("")) -> Response:
        session_id = dashboard.sessions.login(token, who)
        response = RedirectResponse("/approvals", status_code=303)
        response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="strict", path="/")
        return response

    @routes.post("/logout")
    def logout(request: Request, csrf_token: str | None = Form(None)) -> Response:
        dashboard.acting(request, csrf_token)
        dashboard.sessions.logout(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/review", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return routes
