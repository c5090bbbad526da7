"""`factory sweep --enqueue` and the scheduled sweep: a sweep whose tickets are run jobs.

The backlog is read and selected exactly as `factory sweep` does (same skips, same order), and
the sweep is recorded as any sweep is (a `sweeps` row, its own audit chain), but each selected
ticket becomes one run job (`enqueue.queue_ticket`, whose queueing lock on the ticket makes a
second sweep, or a webhook, add nothing for a ticket already queued) carrying the sweep's id.
Workers then drive the runs, and the sweep lives on its chain (`factory/sweep/recorded.py`):
each job's side of it (budget, deadline, its ticket's end) is `sweep_ticket.py`, and the
sweep's end is `sweep_end.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import structlog
from pydantic import BaseModel

from factory.config import FactoryConfig
from factory.queue.app import build_app
from factory.queue.enqueue import EnqueuedRun, queue_ticket
from factory.queue.sweep_end import finish_if_done
from factory.run.setup import RunOptions
from factory.store import Store
from factory.store.sweeps import WORKERS_OWNER
from factory.support import failpoints
from factory.sweep.backlog import BacklogTicket, backlog_reference
from factory.sweep.backlog_selection import select_backlog
from factory.sweep.cassettes import cassette_for
from factory.sweep.outcome import SweepRequest
from factory.sweep.recorded import (
    QUEUED,
    SKIPPED,
    STARTED,
    WorkersSweep,
    deadline_of,
    sweep_params,
)
from factory.sweep.run_outcomes import picked
from factory.sweep.selection import Pick, Skip, SkipReason, skip
from factory.sweep.validation import SweepError, check_request, enforceable_budget

log = structlog.get_logger()


class SweepEnqueued(BaseModel):
    """What `factory sweep --enqueue` did: the sweep, its jobs, and the tickets it skipped."""

    sweep_id: str
    considered: int
    queued: list[EnqueuedRun]
    """This sweep's jobs, and (`already`) jobs an earlier sweep or a person queued for a ticket,
    which this sweep lists as skipped, in progress."""
    skips: list[Skip]
    finished: bool
    """True when the sweep had nothing to wait for and is already finished."""


def enqueue_sweep(
    config: FactoryConfig,
    store: Store,
    request: SweepRequest,
    *,
    report_dir: Path | None = None,
    post_report: str | None = None,
) -> SweepEnqueued:
    """Select the backlog like `factory sweep`, record the sweep and queue one job per pick."""
    build_app(config)  # the queue is usable (PostgreSQL, procrastinate) before any record
    repos = _check_request(config, request)
    began = datetime.now(UTC)
    backlog, problems, selection = select_backlog(config, store, repos, request)
    workers = WorkersSweep(
        began=began,
        deadline=deadline_of(request, datetime.now(UTC)),
        report_dir=str(report_dir.resolve()) if report_dir is not None else None,
        post_report=post_report,
    )
    sweep = store.sweeps.create(sweep_params(request, workers), owner=WORKERS_OWNER)
    store.sweeps.record_event(
        sweep.id,
        STARTED,
        {
            "request": request.model_dump(mode="json"),
            "repos": repos,
            "considered": len(backlog),
            "selected": [pick.item.identity for pick in selection.picks],
            "problems": [problem.model_dump(mode="json") for problem in problems],
        },
    )
    for skipped in selection.skips:
        store.sweeps.record_event(sweep.id, SKIPPED, skipped.model_dump(mode="json"))
    queued: list[EnqueuedRun] = []
    later: list[Skip] = []
    ours: list[EnqueuedRun] = []
    try:
        _queue_picks(config, request, sweep.id, selection.picks, queued, later, ours)
    finally:
        # Whatever happened, the sweep says which jobs are its own, and may then finish.
        for skipped in later:
            store.sweeps.record_event(sweep.id, SKIPPED, skipped.model_dump(mode="json"))
        store.sweeps.record_event(
            sweep.id,
            QUEUED,
            {"jobs": [{"job": j.job_id, "run_id": j.run_id, "ticket": j.ticket} for j in ours]},
        )
        finished = finish_if_done(config, store, sweep.id)
    return SweepEnqueued(
        sweep_id=sweep.id,
        considered=len(backlog) + len(problems),
        queued=queued,
        skips=[*selection.skips, *later],
        finished=finished,
    )


def _check_request(config: FactoryConfig, request: SweepRequest) -> list[str]:
    """The sweep's checks, and what does not go with `--enqueue`; the repositories."""
    repos = check_request(config, request)
    if request.dry_run:
        raise SweepError(
            "--enqueue and --dry-run do not go together: --dry-run alone shows the picks"
        )
    if request.concurrency is not None:
        raise SweepError(
            "--concurrency does not apply with --enqueue: each `factory worker --concurrency K` "
            "decides how many tickets it drives at once"
        )
    enforceable_budget(config, request)
    return repos


def _queue_picks(
    config: FactoryConfig,
    request: SweepRequest,
    sweep_id: str,
    picks: list[Pick],
    queued: list[EnqueuedRun],
    later: list[Skip],
    ours: list[EnqueuedRun],
) -> None:
    """One job per pick, up to `--limit` of the sweep's own. The lists grow as jobs are
    queued, so a failure midway leaves them saying what was queued before it."""
    for pick in picks:
        if request.limit is not None and len(ours) >= request.limit:
            detail = f"--limit {request.limit}: the sweep queued {request.limit} already"
            later.append(skip(pick.item, SkipReason.LIMIT, detail))
            continue
        job = queue_ticket(
            config,
            _source(pick.item),
            RunOptions(repo=pick.item.repo, replay=_cassette(request, pick)),
            run_id=_resumed(pick),
            sweep=picked(pick),
            sweep_id=sweep_id,
        )
        queued.append(job)
        failpoints.hit("sweep-enqueue:queued")
        if job.already:
            later.append(skip(pick.item, SkipReason.IN_PROGRESS, _already(job)))
        else:
            ours.append(job)


def _already(job: EnqueuedRun) -> str:
    owner = f" by sweep {job.sweep_id}" if job.sweep_id else ""
    return f"already queued{owner} as job {job.job_id} ({job.status}), run {job.run_id}"


def _source(item: BacklogTicket) -> str:
    """The reference a worker resolves the ticket by (the same as `factory run --enqueue`)."""
    if item.source == "github":
        return item.ticket.ref
    if item.source == "backlog_dir":
        return str(Path(item.ticket.ref).expanduser().resolve())
    return backlog_reference(item.identity)


def _resumed(pick: Pick) -> str | None:
    return pick.run_id if pick.action == "resume" else None


def _cassette(request: SweepRequest, pick: Pick) -> Path | None:
    """The ticket's cassette, absolute: a worker elsewhere must find the same file."""
    cassette = cassette_for(request.replay_dir, pick.item.ticket.key)
    return cassette.resolve() if cassette is not None else None
