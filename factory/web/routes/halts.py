"""The kill switch from the browser: halt everything or one repository (with a reason), or lift
the halts on a scope, through `governance.halts` as `factory halt` does, in the person's name."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from factory.web.dashboard import Dashboard


def router(dashboard: Dashboard) -> APIRouter:
    routes = APIRouter()

    @routes.post("/halt")
    def halt(
        request: Request,
        csrf_token: str | None = Form(None),
        scope: str = Form("all"),
        reason: str = Form(""),
    ) -> Response:
        session = dashboard.acting(request, csrf_token)
        if scope != "all" and scope not in dashboard.config.repos:
            return dashboard.refuse(request, f"unknown repository {scope!r}", 400)
        if not reason.strip():
            return dashboard.refuse(request, "a halt needs a reason", 400)
        dashboard.actions.halt(scope, reason, session.who)
        return RedirectResponse("/approvals", status_code=303)

    @routes.post("/unhalt")
    def unhalt(
        request: Request, csrf_token: str | None = Form(None), scope: str = Form("all")
    ) -> Response:
        session = dashboard.acting(request, csrf_token)
        halted = {halt.scope for halt in dashboard.store.halts.active()}
        if scope != "all" and scope not in dashboard.config.repos and scope not in halted:
            return dashboard.refuse(request, f"unknown scope {scope!r}: nothing to lift", 400)
        dashboard.actions.unhalt(scope, session.who)
        return RedirectResponse("/approvals", status_code=303)

    return routes
