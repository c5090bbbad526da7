"""`factory sweep --enqueue` and the scheduled sweep: a sweep whose tickets are run jobs.

The backlog is read and selected exactly as `factory sweep` does (same skips, same order), and
the sweep is recorded as any sweep is (a `sweeps` row, its own audit chain), but each selected
ticket becomes one run job (`enqueue.queue_ticket`, whose queueing lock on the ticket makes a
second sweep, or a webhook, add nothing for a ticket already queued) carrying the sweep's id.
Workers then drive the runs, and the sweep lives on its chain (`factory/sweep/recorded.py`):

- a job about to begin its ticket takes the sweep's row lock, and skips the ticket when the
  sweep's `--max-wall` deadline has passed or when starting it could pass the sweep budget
  (`budget.py`'s rule over what the chain says was spent and reserved); otherwise it reserves
  the ticket's per-run limit (`sweep.ticket_started`);
- a running run stops at its next node boundary once the deadline passes, resumably, as in a
  sweep driven in one process;
- a job whose ticket ended (any outcome, or skipped) records it and, if no other job of the
  sweep is waiting or running, finishes the sweep: status, totals, morning report. The row
  lock makes that happen once however many jobs end together.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import structlog
from pydantic import BaseModel

from factory.config import FactoryConfig
from factory.queue.enqueue import EnqueuedRun, queue_ticket
from factory.queue.sweep_end import finish_if_done
from factory.run.batch_budget import (
    SweepBudget,
    SweepBudgetError,
    per_run_limit,
    require_enforceable,
)
from factory.run.setup import RunOptions
from factory.store import Store
from factory.store.models import Run
from factory.store.sweeps import WORKERS_OWNER, SweepTransaction
from factory.support import failpoints
from factory.sweep.backlog import BacklogTicket, backlog_reference
from factory.sweep.driver import (
    DEFAULT_CASSETTE,
    SweepError,
    check_request,
    model_names,
    picked,
    select_backlog,
)
from factory.sweep.outcome import PickedTicket, SweepRequest, TicketOutcome
from factory.sweep.recorded import (
    QUEUED,
    SKIPPED,
    STARTED,
    TICKET_FINISHED,
    TICKET_STARTED,
    WorkersSweep,
    deadline_of,
    past_deadline,
    read_ledger,
    read_params,
    refuse_start,
    sweep_params,
)
from factory.sweep.selection import Pick, Skip, SkipReason, skip

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
    from factory.queue.app import build_app

    build_app(config)  # the queue is usable (PostgreSQL, procrastinate) before any record
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
    try:
        require_enforceable(_budget(request), model_names(config, request), config)
    except SweepBudgetError as error:
        raise SweepError(str(error)) from error
    backlog, problems, selection = select_backlog(config, store, repos, request)
    now = datetime.now(UTC)
    workers = WorkersSweep(
        deadline=deadline_of(request, now),
        report_dir=str(report_dir.resolve()) if report_dir is not None else None,
        post_report=post_report,
    )
    sweep = store.create_sweep(sweep_params(request, workers), owner=WORKERS_OWNER)
    store.sweep_event(
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
        store.sweep_event(sweep.id, SKIPPED, skipped.model_dump(mode="json"))
    queued: list[EnqueuedRun] = []
    later: list[Skip] = []
    ours: list[EnqueuedRun] = []
    try:
        for pick in selection.picks:
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
                sweep_id=sweep.id,
            )
            queued.append(job)
            failpoints.hit("sweep-enqueue:queued")
            if job.already:
                later.append(skip(pick.item, SkipReason.IN_PROGRESS, _already(job)))
            else:
                ours.append(job)
    finally:
        # Whatever happened, the sweep says which jobs are its own, and may then finish.
        for skipped in later:
            store.sweep_event(sweep.id, SKIPPED, skipped.model_dump(mode="json"))
        store.sweep_event(
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
    directory = request.replay_dir
    if directory is None:
        return None
    own = directory / f"{pick.item.ticket.key}.jsonl"
    return (own if own.is_file() else directory / DEFAULT_CASSETTE).resolve()


def _budget(request: SweepRequest) -> SweepBudget:
    return SweepBudget(usd=request.budget_usd, tokens=request.budget_tokens)


# -- the run job's side ---------------------------------------------------------------------


class SweepTicket:
    """One run job's ticket within its sweep: begin it (or skip it), stop it, record its end."""

    def __init__(
        self,
        config: FactoryConfig,
        store: Store,
        sweep_id: str,
        pick: PickedTicket,
        run_id: str,
        job_id: int,
    ) -> None:
        self.config = config
        self.store = store
        self.sweep_id = sweep_id
        self.pick = pick
        self.run_id = run_id
        self.job_id = job_id
        found = store.get_sweep(sweep_id)
        if found is None:
            raise KeyError(f"no sweep {sweep_id!r}")
        self.request, workers = read_params(json.loads(found.params or "{}"))
        self.deadline = workers.deadline

    def should_stop(self) -> str | None:
        """Asked by the run at every node boundary: the sweep's `--max-wall`, on the wall clock."""
        return past_deadline(self.deadline)

    def begin(self) -> Skip | None:
        """Reserve the ticket's per-run limit, or skip it (recorded) when the deadline passed
        or the budget would not allow it. A ticket this job began before (a retried job) goes
        on without a second reservation."""
        limit = per_run_limit(self.config, self.pick.repo)
        skipped: Skip | None = None
        with self.store.sweep_transaction(self.sweep_id) as sweep:
            ledger = read_ledger((kind, payload) for kind, _ts, payload in sweep.events())
            if self.run_id in ledger.begun:
                return None
            stopped = past_deadline(self.deadline)
            too_much = refuse_start(ledger, _budget(self.request), self.run_id, limit)
            if stopped is not None:
                skipped = self._skip(sweep, SkipReason.STOPPED, stopped)
            elif too_much is not None:
                skipped = self._skip(sweep, SkipReason.OVER_BUDGET, too_much)
            else:
                sweep.append(
                    TICKET_STARTED,
                    {
                        "identity": self.pick.identity,
                        "run_id": self.run_id,
                        "job": self.job_id,
                        "action": self.pick.action,
                        "reserved": limit.model_dump(),
                    },
                )
        if skipped is not None:
            self._finish_if_done()
        return skipped

    def _skip(self, sweep: SweepTransaction, reason: SkipReason, detail: str) -> Skip:
        skipped = Skip(
            identity=self.pick.identity,
            repo=self.pick.repo,
            title=self.pick.title,
            reason=reason,
            detail=detail,
        )
        payload = {**skipped.model_dump(mode="json"), "job": self.job_id, "run_id": self.run_id}
        sweep.append(SKIPPED, payload)
        return skipped

    def skipped(self, skipped: Skip) -> None:
        """Another process took the ticket since the sweep chose it: not this sweep's to run."""
        with self.store.sweep_transaction(self.sweep_id) as sweep:
            self._skip(sweep, skipped.reason, skipped.detail)
        self._finish_if_done()

    def ended(self, outcome: TicketOutcome) -> None:
        """The ticket's run stopped being driven by this job: record it; maybe finish."""
        with self.store.sweep_transaction(self.sweep_id) as sweep:
            ledger = read_ledger((kind, payload) for kind, _ts, payload in sweep.events())
            if self.run_id not in ledger.ended_runs:
                sweep.append(
                    TICKET_FINISHED,
                    {"job": self.job_id, "outcome": outcome.model_dump(mode="json")},
                )
        self._finish_if_done()

    def _finish_if_done(self) -> None:
        if finish_if_done(self.config, self.store, self.sweep_id):
            log.info("this job was the sweep's last: sweep finished", sweep_id=self.sweep_id)

    def settled(self, run: Run) -> None:
        """The job found its run already over. Begun by this sweep (a retried job whose worker
        died after the run ended): its outcome, as the run row says it. Not begun: another
        process ended it since the sweep chose it, and the ticket is skipped, as in one process.
        """
        with self.store.sweep_transaction(self.sweep_id) as sweep:
            ledger = read_ledger((kind, payload) for kind, _ts, payload in sweep.events())
            if self.run_id not in ledger.begun:
                waits = run.status in ("waiting_approval", "needs_human")
                reason = SkipReason.WAITING_FOR_HUMAN if waits else SkipReason.DELIVERED
                self._skip(sweep, reason, f"run {run.id} is {run.status} since the sweep chose it")
        if self.run_id not in ledger.begun:
            self._finish_if_done()
            return
        self.ended(
            TicketOutcome(
                identity=self.pick.identity,
                repo=self.pick.repo,
                title=self.pick.title,
                action=self.pick.action,
                run_id=run.id,
                status=run.status,
                cost_usd=run.cost_usd,
                cost_known=not run.unpriced_calls,
                tokens=run.tokens,
                error=run.outcome if run.status == "failed" else None,
            )
        )
