"""The factory's jobs: one ticket's run, and the periodic recovery of jobs whose worker died.

A run job carries the run id chosen when it was enqueued. Its first attempt starts the run
under that id; any later attempt (a worker that stopped gracefully, or died and was found
stalled) finds the run and resumes it from its last checkpoint, and a run already finished is
left alone, so a job retried any number of times delivers once. Jobs of one ticket share a
procrastinate `lock`, so they never run at the same time.

A worker asked to stop (SIGTERM, or `factory jobs cancel` on a running job) lets the current
node finish and be checkpointed, then stops the run at the next node boundary: back to the
queue (status `queued`) on a shutdown, `halted` (resumable) on a cancel.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import structlog

from factory.config import FactoryConfig
from factory.queue.sweep_end import finish_idle_sweeps
from factory.queue.sweep_jobs import enqueue_sweep
from factory.queue.sweep_ticket import QueuedSweepTicket
from factory.queue.task_names import (
    EVAL_TASK,
    MAINTAIN_TASK,
    MAINTENANCE_QUEUE,
    RECOVER_TASK,
    RUN_TASK,
    RUNS_QUEUE,
    SWEEP_TASK,
)
from factory.run.hooks import RunHooks
from factory.run.run_context import RunInterrupted
from factory.run.runner import RunError, RunSummary, resume_run, start_run
from factory.run.setup import RunOptions
from factory.run.state import RunState
from factory.store import Run, RunStatus, Store
from factory.store.leases import Lease
from factory.sweep.backlog import BACKLOG_REF_PREFIX, find_backlog_ticket
from factory.sweep.outcome import PickedTicket, SweepRequest
from factory.sweep.run_outcomes import failed_outcome, lost_race, run_outcome
from factory.tickets.model import Ticket

if TYPE_CHECKING:
    import procrastinate
    from procrastinate.job_context import JobContext

log = structlog.get_logger()


def register_tasks(app: procrastinate.App, config: FactoryConfig) -> None:
    """Put the factory's tasks on `app`; they close over the worker's configuration.

    Only a worker needs them (`worker.worker_app`): queueing and listing jobs go by name."""
    from procrastinate import RetryStrategy
    from procrastinate.exceptions import JobAborted

    @app.task(
        name=RUN_TASK,
        queue=RUNS_QUEUE,
        pass_context=True,
        retry=RetryStrategy(max_attempts=config.queue.max_attempts, retry_exceptions={JobAborted}),
    )
    def run_ticket(
        context: JobContext,
        ticket: str,
        run_id: str,
        options: dict[str, Any],
        sweep_id: str | None = None,
        sweep_pick: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return drive_run_job(config, context, ticket, run_id, options, sweep_id, sweep_pick)

    @app.task(
        name=EVAL_TASK,
        queue=RUNS_QUEUE,
        pass_context=True,
        retry=RetryStrategy(max_attempts=config.queue.max_attempts, retry_exceptions={JobAborted}),
    )
    def eval_attempt(
        context: JobContext, eval_id: str, instance_id: str, attempt: int
    ) -> dict[str, Any]:
        from factory.queue.eval_jobs import drive_eval_job

        return drive_eval_job(config, context, eval_id, instance_id, attempt)

    @app.task(name=MAINTAIN_TASK, queue=MAINTENANCE_QUEUE)
    def maintain_pull(repo: str, number: int) -> dict[str, Any]:
        from factory.queue.pull_jobs import maintain_pull_job

        return maintain_pull_job(config, repo, number)

    @app.periodic(cron=f"* * * * * */{config.queue.recover_every_seconds}")
    @app.task(name=RECOVER_TASK, queue=MAINTENANCE_QUEUE, queueing_lock=RECOVER_TASK)
    async def recover_stalled_jobs(timestamp: int) -> list[int]:
        retried = await retry_stalled_jobs(app, config.queue.stalled_after_seconds)
        await asyncio.to_thread(_finish_idle_sweeps, config)
        return retried

    if config.schedule.sweep is not None:

        @app.periodic(cron=config.schedule.sweep)
        @app.task(name=SWEEP_TASK, queue=MAINTENANCE_QUEUE, queueing_lock=SWEEP_TASK)
        def scheduled_sweep(timestamp: int) -> dict[str, Any]:
            return run_scheduled_sweep(config)


def run_scheduled_sweep(config: FactoryConfig) -> dict[str, Any]:
    """`[schedule] sweep`: `factory sweep --enqueue` over the scheduled repositories."""
    request = SweepRequest(repos=config.schedule.sweep_repos, limit=config.schedule.sweep_limit)
    with Store.open(config) as store:
        result = enqueue_sweep(config, store, request)
    log.info(
        "scheduled sweep queued its tickets",
        sweep_id=result.sweep_id,
        queued=[job.ticket for job in result.queued if not job.already],
        skipped=len(result.skips),
    )
    return {
        "sweep_id": result.sweep_id,
        "queued": [job.job_id for job in result.queued],
        "skipped": len(result.skips),
    }


def _finish_idle_sweeps(config: FactoryConfig) -> None:
    try:
        finished = finish_idle_sweeps(config)
    except Exception as error:  # recovery of jobs must go on whatever a sweep's records say
        log.warning("could not finish idle sweeps", error=str(error))
        return
    if finished:
        log.info("finished sweeps with no job left", sweeps=finished)


def drive_run_job(
    config: FactoryConfig,
    context: JobContext,
    ticket: str,
    run_id: str,
    options: dict[str, Any],
    sweep_id: str | None = None,
    sweep_pick: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Start the job's run, or resume it, or leave it be if it already finished.

    A sweep's job (`sweep_id`) first asks its sweep whether the ticket may begin (deadline,
    budget), stops the run when the sweep's `--max-wall` passes, and records how it ended.
    """
    from procrastinate.exceptions import JobAborted

    job_id = int(context.job.id or 0)
    with Store.open(config) as store:
        sweep = _sweep_ticket(config, store, sweep_id, sweep_pick, run_id, job_id)
        run = store.runs.find(run_id)
        if run is not None and (run.finished_at is not None or _waits(run.status)):
            log.info("job's run already settled", job_id=job_id, run_id=run_id, status=run.status)
            if sweep is not None:
                sweep.settled(run)
            return {"run_id": run_id, "status": run.status}
        hooks = RunHooks()
        if sweep is not None:
            skipped = sweep.begin()
            if skipped is not None:
                log.info("sweep skipped the job's ticket", job_id=job_id, reason=skipped.detail)
                return {"run_id": run_id, "skipped": skipped.reason.value}
            hooks = sweep.run_hooks()
        began = time.perf_counter()
        try:
            summary = _start_or_resume(config, store, context, ticket, run, run_id, options, hooks)
        except Exception as error:
            if sweep is None:
                raise
            seconds = time.perf_counter() - began
            raced = lost_race(sweep.pick, error) if isinstance(error, RunError) else None
            if raced is not None:
                sweep.skipped(raced)
                return {"run_id": run_id, "skipped": raced.reason.value}
            sweep.ended(failed_outcome(store, sweep.pick, run_id, error, seconds))
            raise
        if summary.status is RunStatus.QUEUED and context.should_abort():
            raise JobAborted(f"worker stopping: run {run_id} goes back to the queue")
        if sweep is not None:
            sweep.ended(run_outcome(store, sweep.pick, summary, time.perf_counter() - began))
    return {"run_id": run_id, "status": summary.status.value}


def _start_or_resume(
    config: FactoryConfig,
    store: Store,
    context: JobContext,
    ticket: str,
    run: Run | None,
    run_id: str,
    options: dict[str, Any],
    hooks: RunHooks,
) -> RunSummary:
    """The job's first attempt starts the run under its id; a later one (or a sweep's job for
    an interrupted run) resumes it, once a dead worker's sandbox and lease are out of the way."""
    observer = _stop_when_asked(context)
    if run is None:
        hooks.ticket = _store_ticket(store, ticket)
        chosen = RunOptions.model_validate(options)
        return start_run(config, store, ticket, chosen, observer, hooks, run_id=run_id)
    kind = "job.retried" if context.job.attempts else "job.resumed"
    store.events.append(run_id, kind, "system", {"job": int(context.job.id or 0)})
    remove_dead_sandboxes(run_id)
    wait_for_dead_lease(config, store, run_id, context)
    return resume_run(config, store, run_id, observer=observer, hooks=hooks)


def _sweep_ticket(
    config: FactoryConfig,
    store: Store,
    sweep_id: str | None,
    pick: dict[str, Any] | None,
    run_id: str,
    job_id: int,
) -> QueuedSweepTicket | None:
    if sweep_id is None or pick is None:
        return None
    picked = PickedTicket.model_validate(pick)
    return QueuedSweepTicket(config, store, sweep_id, picked, run_id, job_id)


def _store_ticket(store: Store, reference: str) -> Ticket | None:
    """The ticket of the store's backlog a `backlog:<identity>` reference names (None for an
    issue or a file, which the runner reads itself)."""
    if not reference.startswith(BACKLOG_REF_PREFIX):
        return None
    found = find_backlog_ticket(store, reference)
    if found is None:
        raise RunError(
            f"ticket {reference.removeprefix(BACKLOG_REF_PREFIX)} is no longer in the store's "
            "backlog (`factory ticket list` shows it)"
        )
    return found.ticket


def wait_for_dead_lease(
    config: FactoryConfig, store: Store, run_id: str, context: JobContext
) -> None:
    """Wait out a run lease that a dead worker on another host may still hold.

    The job was retried because its worker fell silent, so the lease's owner is silent too and
    its lease runs out within `lease_ttl_s` (a dead owner on this host frees it at once). A
    lease still live after that has a driver that is alive after all: `resume_run` then
    refuses, naming it, and the job fails for a person to look at.
    """
    deadline = time.monotonic() + config.factory.lease_ttl_s + 1
    while time.monotonic() < deadline and not context.should_abort():
        run = store.runs.find(run_id)
        lease = Lease.of_run(run) if run is not None else None
        if lease is None or not lease.is_live():
            return
        log.info("waiting for a silent driver's lease", run_id=run_id, holder=str(lease.owner))
        time.sleep(min(1.0, max(deadline - time.monotonic(), 0)))


def remove_dead_sandboxes(run_id: str) -> None:
    """The sandbox a dead worker on this host left for this run (a live owner's is kept, and a
    dead worker's on another engine stays there for `factory sandbox prune` on that host)."""
    from docker.errors import DockerException

    from sandboxes.errors import SandboxError
    from sandboxes.prune import prune

    try:
        removed = prune(run_prefix=run_id).removed
    except (SandboxError, DockerException) as exc:
        log.warning("could not prune the run's old sandboxes", run_id=run_id, error=str(exc))
        return
    if removed:
        log.info("removed sandboxes of a dead worker", run_id=run_id, containers=removed)


def _waits(status: str) -> bool:
    return status in (RunStatus.WAITING_APPROVAL.value, RunStatus.NEEDS_HUMAN.value)


def _stop_when_asked(context: JobContext) -> Any:
    """An observer that stops the run at the next node boundary once the job should abort."""
    from procrastinate.job_context import AbortReason

    def observe(node: str, phase: str, _state: RunState | None) -> None:
        if phase != "started":
            return
        reason = context.abort_reason()
        if reason is AbortReason.SHUTDOWN:
            raise RunInterrupted(
                f"worker stopping before {node}: back to the queue", RunStatus.QUEUED
            )
        if reason is AbortReason.USER_REQUEST:
            raise RunInterrupted(
                f"job {context.job.id} cancelled before {node}; `factory resume` continues it"
            )

    return observe


async def retry_stalled_jobs(app: procrastinate.App, stalled_after: float) -> list[int]:
    """Put back on the queue every run job (and eval attempt) whose worker stopped sending
    heartbeats.

    procrastinate marks such jobs stalled but leaves what to do to the application: a run job
    is safe to retry, since its next attempt resumes the run from its checkpoint; so is an
    eval attempt, which resumes the run its attempt recorded.
    """
    stalled = [
        job
        for task_name in (RUN_TASK, EVAL_TASK)
        for job in await app.job_manager.get_stalled_jobs(
            task_name=task_name, seconds_since_heartbeat=stalled_after
        )
    ]
    retried = []
    for job in stalled:
        await app.job_manager.retry_job(job)
        log.warning("stalled job retried", job_id=job.id, run_id=job.task_kwargs.get("run_id"))
        retried.append(int(job.id or 0))
    # This task's own finished jobs would otherwise pile up, one every few seconds.
    await app.job_manager.delete_old_jobs(nb_hours=1, queue=MAINTENANCE_QUEUE)
    return retried
