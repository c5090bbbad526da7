"""The dashboard's Eval pages (`/evals`, `/evals/{id}`): the evals recorded and one eval's
report, from the same `EvalReport` the CLI renders. Task ids, errors and test names came
from outside and are escaped by the templates' autoescape."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from factory.eval.report import build_report, headline_rows, money, rate_chart
from factory.store import EvalNotFound, Store

Page = Callable[..., HTMLResponse]
"""`page(request, template, status_code=200, **values)` of `web.app.create_app`."""


def eval_router(store: Store, page: Page) -> APIRouter:
    router = APIRouter()

    @router.get("/evals", response_class=HTMLResponse)
    def evals(request: Request) -> HTMLResponse:
        rows: list[dict[str, Any]] = []
        for record in store.list_evals():
            summary = json.loads(record.summary or "{}")
            resolved = summary.get("resolved") or {}
            false_merge = summary.get("false_merge") or {}
            rows.append(
                {
                    "record": record,
                    "tasks": summary.get("tasks"),
                    "resolved": resolved,
                    "false_merge": false_merge,
                    "cost_per_task": summary.get("cost_per_task"),
                }
            )
        return page(request, "evals.html", rows=rows, money=money)

    @router.get("/evals/{eval_id}", response_class=HTMLResponse)
    def one_eval(request: Request, eval_id: str) -> HTMLResponse:
        try:
            report = build_report(store, eval_id)
        except EvalNotFound as error:
            return page(request, "message.html", status_code=404, message=str(error))
        chart = rate_chart(headline_rows(report.figures))
        return page(request, "eval.html", report=report, chart=chart, money=money)

    return router
