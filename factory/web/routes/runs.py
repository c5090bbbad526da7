"""The runs list, filtered by repository, status, sweep and dates, and one run's page, which
reloads itself while the run is live or a decision on it is being carried out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from factory.governance.liveness import observed_status
from factory.store import RunNotFoundError
from factory.store.statuses import RunStatus
from factory.support.timespec import TimeSpecError, parse_moment
from factory.web.dashboard import REFRESH_SECONDS, Dashboard
from factory.web.run_page import run_page
from factory.web.runs_query import list_runs

STATUSES = tuple(status.value for status in RunStatus)


def router(dashboard: Dashboard) -> APIRouter:
    routes = APIRouter()

    @routes.get("/runs", response_class=HTMLResponse)
    def runs(
        request: Request,
        repo: str = "",
        status: str = "",
        sweep: str = "",
        since: str = "",
        until: str = "",
    ) -> HTMLResponse:
        if status and status not in STATUSES:
            return dashboard.refuse(
                request, f"unknown status {status!r}; use one of {STATUSES}", 400
            )
        try:
            start = parse_moment(since, option="since") if since else None
            end = parse_moment(until, option="until") if until else None
        except TimeSpecError as error:
            return dashboard.refuse(request, str(error), 400)
        found = list_runs(
            dashboard.store,
            repo=repo or None,
            status=status or None,
            sweep=sweep or None,
            since=start,
            until=end,
        )
        # A running run's spend moves with every model call: the list follows it while any is.
        live = any(observed_status(r) == RunStatus.RUNNING for r in found)
        return dashboard.page(
            request,
            "runs.html",
            refresh=REFRESH_SECONDS if live else None,
            runs=found,
            statuses=STATUSES,
            repos=dashboard.repos,
            form={"repo": repo, "status": status, "sweep": sweep, "since": since, "until": until},
        )

    @routes.get("/runs/{run_id}", response_class=HTMLResponse)
    def run(request: Request, run_id: str) -> HTMLResponse:
        try:
            found = run_page(dashboard.store, run_id)
        except RunNotFoundError as error:
            return dashboard.refuse(request, str(error), 404)
        pending = run_id in dashboard.actions.pending
        return dashboard.page(
            request,
            "run.html",
            page=found,
            pending=pending,
            error=dashboard.actions.errors.get(run_id),
            refresh=REFRESH_SECONDS if (found.live or pending) else None,
        )

    return routes
