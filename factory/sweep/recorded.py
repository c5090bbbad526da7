"""A sweep driven by workers, told from its audit chain: its budget, its deadline, its result.

`factory sweep --enqueue` has no process that lives as long as the sweep, so nothing of it may
live in memory. Its chain says everything the in-process driver keeps in variables: the
request and selection (`sweep.started`), the tickets skipped (`sweep.skipped`), the jobs queued
(`sweep.queued`, written once every job is on the queue), each ticket a job began, with the
per-run limit it reserved (`sweep.ticket_started`), and each ticket's outcome
(`sweep.ticket_finished`). From that, under the sweep's row lock, a job decides whether its
ticket may start (the budget rule of `budget.py`, the wall-clock deadline of `--max-wall`), and
the last job to end rebuilds the `SweepResult` the morning report is made of.

Pure: it reads events and parameters; `factory/queue/sweep_jobs.py` does the reading and writing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from factory.run.batch_budget import Spend, SweepBudget, over_budget
from factory.sweep.backlog import BacklogProblem
from factory.sweep.outcome import SweepRequest, SweepResult, TicketOutcome
from factory.sweep.selection import Skip

STARTED = "sweep.started"
SKIPPED = "sweep.skipped"
QUEUED = "sweep.queued"
TICKET_STARTED = "sweep.ticket_started"
TICKET_FINISHED = "sweep.ticket_finished"
WORKERS_KEY = "workers"
"""The key of a sweep's parameters that holds what only a sweep on workers needs."""
MAX_WALL_PASSED = "the sweep's --max-wall passed"


class WorkersSweep(BaseModel):
    """What a sweep on workers keeps beside its request: the absolute deadline and the report's
    destinations (the worker that finishes the sweep writes and posts it)."""

    deadline: datetime | None = None
    report_dir: str | None = None
    post_report: str | None = None
    began: datetime | None = None
    """When `sweep --enqueue` began, before it selected (and maintained the open pull
    requests): the morning report's "pull requests maintained" counts from here."""


def sweep_params(request: SweepRequest, workers: WorkersSweep) -> dict[str, Any]:
    """The `sweeps.params` of a sweep on workers: its request, and `workers`."""
    return {**request.model_dump(mode="json"), WORKERS_KEY: workers.model_dump(mode="json")}


def read_params(params: Mapping[str, Any]) -> tuple[SweepRequest, WorkersSweep]:
    values = dict(params)
    workers = WorkersSweep.model_validate(values.pop(WORKERS_KEY, None) or {})
    return SweepRequest.model_validate(values), workers


def deadline_of(request: SweepRequest, started: datetime) -> datetime | None:
    """`--max-wall` as a wall-clock time: workers are other processes, on other hosts."""
    if request.max_wall_s is None:
        return None
    return started + timedelta(seconds=request.max_wall_s)


def past_deadline(deadline: datetime | None, now: datetime | None = None) -> str | None:
    """The reason to stop (the in-process sweep's words) once the deadline has passed."""
    if deadline is None:
        return None
    return MAX_WALL_PASSED if (now or datetime.now(UTC)) >= deadline else None


class SweepLedger(BaseModel):
    """What a sweep's chain says so far."""

    started: dict[str, Any] | None = None
    """The `sweep.started` payload: request, repositories, considered, selected, problems."""
    queued: bool = False
    """Every job is on the queue (`sweep.queued`): the sweep may finish once they all ended."""
    reserved: dict[str, Spend] = Field(default_factory=dict)
    """Per run id: the per-run limit of a ticket begun and not yet ended."""
    begun: set[str] = Field(default_factory=set)
    """Run ids whose ticket a job began (ended or not)."""
    spent: Spend = Field(default_factory=Spend)
    """What the tickets that ended spent."""
    ended_jobs: set[int] = Field(default_factory=set)
    """Jobs that recorded their ticket's end (an outcome or a skip)."""
    ended_runs: set[str] = Field(default_factory=set)
    outcomes: list[TicketOutcome] = Field(default_factory=list)
    skips: list[Skip] = Field(default_factory=list)
    peak: int = 0
    """The most tickets driven at once (in the chain's order, which is the order they began
    and ended in)."""


def read_ledger(events: Iterable[tuple[str, Mapping[str, Any]]]) -> SweepLedger:
    """Fold the chain's (kind, payload) pairs, in order."""
    ledger = SweepLedger()
    for kind, payload in events:
        job = payload.get("job")
        if kind == STARTED:
            ledger.started = dict(payload)
        elif kind == QUEUED:
            ledger.queued = True
        elif kind == TICKET_STARTED:
            run_id = str(payload["run_id"])
            ledger.begun.add(run_id)
            ledger.reserved[run_id] = Spend.model_validate(payload.get("reserved") or {})
            ledger.peak = max(ledger.peak, len(ledger.reserved))
        elif kind == TICKET_FINISHED:
            outcome = TicketOutcome.model_validate(payload["outcome"])
            ledger.outcomes.append(outcome)
            ledger.spent = ledger.spent.plus(Spend(usd=outcome.cost_usd, tokens=outcome.tokens))
            if outcome.run_id is not None:
                ledger.reserved.pop(outcome.run_id, None)
                ledger.ended_runs.add(outcome.run_id)
        elif kind == SKIPPED:
            ledger.skips.append(Skip.model_validate(payload))
            if payload.get("run_id"):
                ledger.reserved.pop(str(payload["run_id"]), None)
                ledger.ended_runs.add(str(payload["run_id"]))
        if job is not None and kind in (TICKET_FINISHED, SKIPPED):
            ledger.ended_jobs.add(int(job))
    return ledger


def refuse_start(ledger: SweepLedger, budget: SweepBudget, run_id: str, limit: Spend) -> str | None:
    """Why the ticket of `run_id` must not start (None when it may), by `budget.py`'s rule:
    what ended tickets spent + the whole per-run limit of every ticket still running + this
    one's limit must stay within the sweep budget."""
    committed = ledger.spent
    for other, reserved in ledger.reserved.items():
        if other != run_id:
            committed = committed.plus(reserved)
    return over_budget(budget, committed, limit)


def recorded_result(
    ledger: SweepLedger,
    request: SweepRequest,
    sweep_id: str,
    started_at: datetime,
    deadline: datetime | None,
    now: datetime | None = None,
) -> SweepResult:
    """The `SweepResult` of a sweep on workers, as its last job ends."""
    finished = now or datetime.now(UTC)
    started = ledger.started or {}
    problems = [BacklogProblem.model_validate(item) for item in started.get("problems", [])]
    return SweepResult(
        sweep_id=sweep_id,
        dry_run=False,
        request=request,
        started_at=started_at,
        finished_at=finished,
        considered=int(started.get("considered", 0)) + len(problems),
        outcomes=ledger.outcomes,
        skips=ledger.skips,
        problems=problems,
        stopped=past_deadline(deadline, finished),
        concurrency=ledger.peak,
    )
