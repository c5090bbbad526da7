"""The operational review: the dashboard's home page, with the period, repository and team
chosen in a form (the same options as `factory review`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from factory.review.build import ReviewError, ReviewOptions, build_review
from factory.review.charts import review_charts
from factory.support.timespec import TimeSpecError
from factory.web.dashboard import Dashboard


def router(dashboard: Dashboard) -> APIRouter:
    routes = APIRouter()

    @routes.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/review", status_code=303)

    @routes.get("/review", response_class=HTMLResponse)
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
            result = build_review(dashboard.config, dashboard.store, options)
        except (ReviewError, TimeSpecError) as error:
            return dashboard.refuse(request, str(error), 400)
        return dashboard.page(
            request,
            "review_page.html",
            review=result,
            charts=review_charts(result),
            form={"since": since, "until": until, "repo": repo, "team": team},
            repos=dashboard.repos,
        )

    return routes
