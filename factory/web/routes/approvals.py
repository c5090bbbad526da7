"""The runs waiting for a person, oldest first, and the approve and reject forms of a run.

A decision is handed to `ActionRunner`, which drives the run on (merge or close) off the
request; the browser goes back to the run's page, which polls until the run has moved on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from factory.store import RunNotFoundError
from factory.store.statuses import RunStatus
from factory.web.dashboard import Dashboard
from factory.web.runs_query import list_runs


def router(dashboard: Dashboard) -> APIRouter:
    routes = APIRouter()

    @routes.get("/approvals", response_class=HTMLResponse)
    def approvals(request: Request) -> HTMLResponse:
        waiting = list_runs(dashboard.store, status=RunStatus.WAITING_APPROVAL.value)
        waiting.sort(key=lambda r: r.updated_at)
        return dashboard.page(request, "approvals.html", waiting=waiting, repos=dashboard.repos)

    @routes.post("/runs/{run_id}/approve")
    def approve(
        request: Request,
        run_id: str,
        csrf_token: str | None = Form(None),
        comment: str = Form(""),
    ) -> Response:
        session = dashboard.acting(request, csrf_token)
        answer = {"action": "approve", "by": session.who, "comment": comment or None}
        return decide(request, run_id, answer)

    @routes.post("/runs/{run_id}/reject")
    def reject(
        request: Request,
        run_id: str,
        csrf_token: str | None = Form(None),
        reason: str = Form(""),
    ) -> Response:
        session = dashboard.acting(request, csrf_token)
        if not reason.strip():
            return dashboard.refuse(
                request, "say why you reject it (the reason goes on the PR)", 400
            )
        answer = {"action": "reject", "by": session.who, "reason": reason.strip()}
        return decide(request, run_id, answer)

    def decide(request: Request, run_id: str, answer: dict[str, Any]) -> Response:
        # The runner is slow to import (the graph and its nodes); only a decision needs it.
        from factory.run.runner import RunError

        try:
            dashboard.actions.answer(run_id, answer)
        except RunNotFoundError as error:
            return dashboard.refuse(request, str(error), 404)
        except RunError as error:
            return dashboard.refuse(request, str(error), 409)
        return RedirectResponse(f"/runs/{quote(run_id)}", status_code=303)

    return routes
