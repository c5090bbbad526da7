"""Putting a ticket's run on the queue: one job per ticket, however often it is asked for.

The ticket is resolved first (a bad reference is refused before anything is queued) and the
job is keyed by the ticket's canonical reference (an issue's `owner/repo#N`, a file's absolute
path, `backlog:<identity>` for the store's backlog): a procrastinate queueing lock refuses a
second waiting job for it, and a job already running for it is returned rather than doubled.
So GitHub redelivering a webhook, or a person typing the command twice, queues one run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from factory.config import FactoryConfig
from factory.queue.app import open_queue
from factory.queue.task_names import RUN_TASK, RUNS_QUEUE
from factory.run.setup import RunOptions, new_run_id
from factory.sweep.outcome import PickedTicket
from factory.tickets import resolve_ticket

if TYPE_CHECKING:
    import procrastinate


class EnqueuedRun(BaseModel):
    """The job that will run (or runs) the ticket; `already` when it was queued before."""

    job_id: int
    run_id: str
    ticket: str
    status: str
    already: bool
    sweep_id: str | None = None
    """The sweep the job belongs to (`factory sweep --enqueue`), if any."""


def ticket_lock(ticket_ref: str) -> str:
    return f"ticket:{ticket_ref}"


def enqueue_run(config: FactoryConfig, ticket: str, options: RunOptions) -> EnqueuedRun:
    """Queue one run of `ticket` (a Markdown file, `owner/repo#N` or an issue URL)."""
    if ticket.strip() == "-":
        raise ValueError("a queued run cannot read its ticket from stdin; pass a file or an issue")
    resolved = resolve_ticket(ticket)
    path = Path(ticket).expanduser()
    # A worker elsewhere must find the same files: paths travel absolute.
    source = str(path.resolve()) if path.is_file() else resolved.ref
    return queue_ticket(config, source, _absolute_paths(options))


def queue_ticket(
    config: FactoryConfig,
    source: str,
    options: RunOptions,
    run_id: str | None = None,
    sweep: PickedTicket | None = None,
    sweep_id: str | None = None,
) -> EnqueuedRun:
    """Queue a run of a ticket already known to exist, by its canonical reference `source`.

    `run_id` names an interrupted run the job resumes; by default the job starts a new one.
    A sweep's job carries the sweep's id and the ticket as the sweep picked it (`sweep`).
    """
    from procrastinate.exceptions import AlreadyEnqueued

    lock = ticket_lock(source)
    with open_queue(config) as app:
        existing = _open_job(app, lock)
        if existing is not None:
            return existing
        run_id = run_id or new_run_id()
        of_sweep: dict[str, Any] = {}
        if sweep_id is not None and sweep is not None:
            of_sweep = {"sweep_id": sweep_id, "sweep_pick": sweep.model_dump(mode="json")}
        try:
            # By name, with the task's queue: only workers register the tasks themselves.
            job_id = app.configure_task(
                RUN_TASK, queue=RUNS_QUEUE, lock=lock, queueing_lock=lock
            ).defer(
                ticket=source,
                run_id=run_id,
                options=options.model_dump(mode="json"),
                **of_sweep,
            )
        except AlreadyEnqueued:  # lost a race with another enqueue of the same ticket
            found = _open_job(app, lock)
            if found is None:
                raise
            return found
    return EnqueuedRun(
        job_id=job_id,
        run_id=run_id,
        ticket=source,
        status="todo",
        already=False,
        sweep_id=sweep_id if of_sweep else None,
    )


def _open_job(app: procrastinate.App, lock: str) -> EnqueuedRun | None:
    for status in ("todo", "doing"):
        jobs = app.job_manager.list_jobs(task=RUN_TASK, lock=lock, status=status)
        for job in jobs:
            return EnqueuedRun(
                job_id=int(job.id or 0),
                run_id=str(job.task_kwargs.get("run_id")),
                ticket=lock.removeprefix("ticket:"),
                status=status,
                already=True,
                sweep_id=job.task_kwargs.get("sweep_id"),
            )
    return None


def _absolute_paths(options: RunOptions) -> RunOptions:
    update = {
        name: getattr(options, name).expanduser().resolve()
        for name in ("record", "replay")
        if getattr(options, name) is not None
    }
    return options.model_copy(update=update)
