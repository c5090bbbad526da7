"""The end of a sweep on workers: finished once, by whichever job ends last, or by the periodic
recovery task when its last jobs were cancelled or its queueing process died midway.

`finish_if_done` runs under the sweep's row lock, so of several jobs ending together one
finishes the sweep (status, totals, morning report from its chain) and the others find it
finished; the report files and the tracking-issue comment follow (`_deliver_report`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from factory.config import FactoryConfig
from factory.queue.app import open_queue
from factory.queue.task_names import RUN_TASK
from factory.store import Store
from factory.store.sweeps import WORKERS_OWNER, SweepTransaction
from factory.sweep.recorded import QUEUED, WorkersSweep, read_ledger, read_params, recorded_result

log = structlog.get_logger()


ABANDONED_AFTER_S = 600.0
"""A sweep whose queueing process has not said which jobs are its own this long after it
started was killed mid-queueing (a Ctrl-C or an error still says so): the recovery task then
takes every job that carries the sweep's id as its own, and finishes it when they end."""


def finish_if_done(
    config: FactoryConfig,
    store: Store,
    sweep_id: str,
    *,
    abandoned_after_s: float | None = None,
) -> bool:
    """Finish the sweep if all its jobs are queued and none is waiting or running but for
    those that recorded their end; True if this call finished it. Under the sweep's row lock,
    so of two jobs ending together one finishes the sweep and the other finds it finished.

    `abandoned_after_s` (the recovery task's) adopts the jobs of a sweep whose queueing
    process died before recording them."""
    from factory.sweep.maintained import pulls_maintained
    from factory.sweep.report import build_report, spend_alert_lines

    with store.sweeps.transaction(sweep_id) as sweep:
        if sweep.status != "running":
            return False
        ledger = read_ledger((kind, payload) for kind, _ts, payload in sweep.events())
        if not ledger.queued:
            if not _abandoned(sweep, abandoned_after_s):
                return False  # `sweep --enqueue` is still queueing; it checks again when done
            sweep.append(QUEUED, {"jobs": _jobs_of(config, sweep_id), "adopted": True})
            ledger = read_ledger((kind, payload) for kind, _ts, payload in sweep.events())
        if _open_jobs(config, sweep_id) - ledger.ended_jobs:
            return False
        request, workers = read_params(sweep.params())
        result = recorded_result(ledger, request, sweep_id, sweep.row.started_at, workers.deadline)
        result.spend_alerts = spend_alert_lines(store, result.started_at)
        result.pulls_maintained = pulls_maintained(store, workers.began or result.started_at)
        report = build_report(result)
        status = "stopped" if result.stopped else "finished"
        sweep.finish(status, report.model_dump(mode="json"), report.totals())
    _deliver_report(config, report, workers)
    return True


def _abandoned(sweep: SweepTransaction, after_s: float | None) -> bool:
    if after_s is None:
        return False
    return (datetime.now(UTC) - sweep.row.started_at).total_seconds() >= after_s


def _jobs_of(config: FactoryConfig, sweep_id: str) -> list[dict[str, Any]]:
    """Every run job, in any state, that carries the sweep's id."""
    with open_queue(config) as app:
        return [
            {
                "job": int(job.id or 0),
                "run_id": (job.task_kwargs or {}).get("run_id"),
                "ticket": (job.task_kwargs or {}).get("ticket"),
            }
            for job in app.job_manager.list_jobs(task=RUN_TASK)
            if (job.task_kwargs or {}).get("sweep_id") == sweep_id
        ]


def _open_jobs(config: FactoryConfig, sweep_id: str) -> set[int]:
    """The sweep's run jobs that are waiting or running."""
    found: set[int] = set()
    with open_queue(config) as app:
        for status in ("todo", "doing"):
            for job in app.job_manager.list_jobs(task=RUN_TASK, status=status):
                if (job.task_kwargs or {}).get("sweep_id") == sweep_id:
                    found.add(int(job.id or 0))
    return found


def _deliver_report(config: FactoryConfig, report: Any, workers: WorkersSweep) -> None:
    """The report files (and the tracking-issue comment) the in-process sweep's CLI writes."""
    from factory.sweep.report import (
        ReportNotPosted,
        ReportPostError,
        post_report,
        to_markdown,
        write_report,
    )

    directory = Path(workers.report_dir) if workers.report_dir else None
    try:
        write_report(report, directory or config.factory.data_dir / "sweeps")
    except OSError as error:  # the report is in the store; the files are a copy
        log.warning("could not write the sweep's report files", error=str(error))
    if workers.post_report:
        try:
            post_report(workers.post_report, to_markdown(report))
        except (ReportPostError, ReportNotPosted) as error:
            log.warning("could not post the sweep's report", error=str(error))


def finish_idle_sweeps(config: FactoryConfig) -> list[str]:
    """Sweeps on workers still running with no job left (a job cancelled before it ran, or
    out of attempts, or a queueing process killed midway): finished by the periodic recovery
    task."""
    finished = []
    with Store.open(config) as store:
        for sweep in store.sweeps.running(WORKERS_OWNER):
            if finish_if_done(config, store, sweep.id, abandoned_after_s=ABANDONED_AFTER_S):
                finished.append(sweep.id)
    return finished
