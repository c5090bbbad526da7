"""The evals list and one eval's report (docs/eval.md), from the same `EvalReport` the CLI
renders. Task ids, errors and test names came from outside; the templates escape them."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from factory.eval.report import build_report, headline_rows, money, rate_chart
from factory.store import EvalNotFound
from factory.web.dashboard import Dashboard


def router(dashboard: Dashboard) -> APIRouter:
    routes = APIRouter()

    @routes.get("/evals", response_class=HTMLResponse)
    def evals(request: Request) -> HTMLResponse:
        rows: list[dict[str, Any]] = []
        for record in dashboard.store.evals.latest():
            summary = json.loads(record.summary or "{}")
            rows.append(
                {
                    "record": record,
                    "tasks": summary.get("tasks"),
                    "resolved": summary.get("resolved") or {},
                    "false_merge": summary.get("false_merge") or {},
                    "cost_per_task": summary.get("cost_per_task"),
                }
            )
        return dashboard.page(request, "evals.html", rows=rows, money=money)

    @routes.get("/evals/{eval_id}", response_class=HTMLResponse)
    def one_eval(request: Request, eval_id: str) -> HTMLResponse:
        try:
            report = build_report(dashboard.store, eval_id)
        except EvalNotFound as error:
            return dashboard.refuse(request, str(error), 404)
        chart = rate_chart(headline_rows(report.figures))
        return dashboard.page(request, "eval.html", report=report, chart=chart, money=money)

    return routes
