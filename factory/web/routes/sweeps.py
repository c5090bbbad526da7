"""The sweeps list and one sweep's page (its morning report and the runs it drove), which
reloads itself while the sweep is running."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from factory.web.dashboard import REFRESH_SECONDS, Dashboard
from factory.web.sweep_pages import SweepNotFoundError, list_sweep_rows, sweep_page


def router(dashboard: Dashboard) -> APIRouter:
    routes = APIRouter()

    @routes.get("/sweeps", response_class=HTMLResponse)
    def sweeps(request: Request) -> HTMLResponse:
        return dashboard.page(request, "sweeps.html", sweeps=list_sweep_rows(dashboard.store))

    @routes.get("/sweeps/{sweep_id}", response_class=HTMLResponse)
    def sweep(request: Request, sweep_id: str) -> HTMLResponse:
        try:
            found = sweep_page(dashboard.store, sweep_id)
        except SweepNotFoundError as error:
            return dashboard.refuse(request, str(error), 404)
        live = found.sweep.status == "running"
        return dashboard.page(
            request, "sweep.html", page=found, refresh=REFRESH_SECONDS if live else None
        )

    return routes
