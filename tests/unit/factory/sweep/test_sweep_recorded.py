"""A sweep on workers told from its chain: the budget rule, the deadline, the result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from factory.run.batch_budget import Spend, SweepBudget
from factory.sweep.outcome import SweepRequest, TicketOutcome
from factory.sweep.recorded import (
    MAX_WALL_PASSED,
    WorkersSweep,
    deadline_of,
    past_deadline,
    read_ledger,
    read_params,
    recorded_result,
    refuse_start,
    sweep_params,
)
from factory.sweep.report import build_report

START = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
LIMIT = Spend(usd=1.0, tokens=1000)


def began(run_id: str, job: int) -> tuple[str, dict[str, Any]]:
    reserved = LIMIT.model_dump()
    return "sweep.ticket_started", {"run_id": run_id, "job": job, "reserved": reserved}


def ended(
    run_id: str, job: int, tokens: int, status: str = "pr_open"
) -> tuple[str, dict[str, Any]]:
    outcome = TicketOutcome(
        identity=f"app:{run_id}",
        repo="app",
        title=run_id,
        action="start",
        run_id=run_id,
        status=status,
        tokens=tokens,
        cost_usd=tokens / 1000,
    )
    return "sweep.ticket_finished", {"job": job, "outcome": outcome.model_dump(mode="json")}


def skipped(identity: str, reason: str, job: int | None = None) -> tuple[str, dict[str, Any]]:
    payload: dict[str, Any] = {
        "identity": identity,
        "repo": "app",
        "title": identity,
        "reason": reason,
        "detail": "why",
    }
    if job is not None:
        payload["job"] = job
    return "sweep.skipped", payload


def test_a_running_ticket_reserves_its_whole_limit_and_an_ended_one_only_what_it_spent() -> None:
    budget = SweepBudget(tokens=2500)
    running = read_ledger([began("r-1", 1)])
    assert refuse_start(running, budget, "r-2", LIMIT) is None  # 1000 + 1000 <= 2500
    two_running = read_ledger([began("r-1", 1), began("r-2", 2)])
    refusal = refuse_start(two_running, budget, "r-3", LIMIT)
    assert refusal is not None and "2000 tokens spent or reserved" in refusal
    one_ended = read_ledger([began("r-1", 1), began("r-2", 2), ended("r-1", 1, tokens=300)])
    assert refuse_start(one_ended, budget, "r-3", LIMIT) is None  # 300 + 1000 + 1000
    assert one_ended.ended_jobs == {1} and one_ended.spent == Spend(usd=0.3, tokens=300)


def test_a_retried_job_does_not_count_its_own_reservation_against_itself() -> None:
    ledger = read_ledger([began("r-1", 1)])
    assert refuse_start(ledger, SweepBudget(tokens=1000), "r-1", LIMIT) is None
    assert refuse_start(ledger, SweepBudget(tokens=1000), "r-2", LIMIT) is not None


def test_without_a_budget_nothing_is_refused() -> None:
    ledger = read_ledger([began(f"r-{n}", n) for n in range(50)])
    assert refuse_start(ledger, SweepBudget(), "r-99", LIMIT) is None


def test_a_skipped_job_has_ended_and_the_sweep_is_queued_only_once_it_says_so() -> None:
    ledger = read_ledger([("sweep.started", {"considered": 2}), skipped("app:a", "stopped", 7)])
    assert ledger.ended_jobs == {7} and not ledger.queued
    assert read_ledger([("sweep.queued", {"jobs": []})]).queued


def test_the_deadline_is_the_wall_clock_time_max_wall_after_the_start() -> None:
    request = SweepRequest(max_wall_s=90)
    deadline = deadline_of(request, START)
    assert deadline == START + timedelta(seconds=90)
    assert past_deadline(deadline, START + timedelta(seconds=89)) is None
    assert past_deadline(deadline, START + timedelta(seconds=90)) == MAX_WALL_PASSED
    assert deadline_of(SweepRequest(), START) is None and past_deadline(None) is None


def test_a_sweeps_parameters_keep_its_request_and_what_the_workers_need() -> None:
    request = SweepRequest(repos=["app"], budget_tokens=5000, max_wall_s=60)
    workers = WorkersSweep(deadline=START, report_dir="/srv/reports", post_report="a/b#1")
    params = sweep_params(request, workers)
    assert params["budget_tokens"] == 5000  # read like any sweep's parameters
    assert read_params(params) == (request, workers)


def test_the_result_has_every_outcome_and_skip_and_the_most_tickets_driven_at_once() -> None:
    events = [
        (
            "sweep.started",
            {"considered": 4, "problems": [{"repo": "app", "origin": "x.md", "message": "bad"}]},
        ),
        skipped("app:open", "open_pr"),
        began("r-1", 1),
        began("r-2", 2),
        ended("r-1", 1, tokens=100),
        began("r-3", 3),
        ended("r-2", 2, tokens=200, status="running"),
        ended("r-3", 3, tokens=300, status="merged"),
        skipped("app:late", "over_budget", 4),
        ("sweep.queued", {"jobs": []}),
    ]
    ledger = read_ledger(events)
    request = SweepRequest(max_wall_s=3600)
    finished = START + timedelta(minutes=30)
    result = recorded_result(ledger, request, "s-1", START, deadline_of(request, START), finished)
    assert result.concurrency == 2
    assert result.considered == 5 and len(result.problems) == 1
    assert result.stopped is None and result.wall_s == 1800
    report = build_report(result)
    assert (len(report.merged), len(report.interrupted), report.prs_opened) == (1, 1, 0)
    assert report.skipped_by_reason == {"open_pr": 1, "over_budget": 1}
    assert report.cost.tokens == 600


def test_a_sweep_ending_after_its_deadline_is_stopped_as_in_one_process() -> None:
    request = SweepRequest(max_wall_s=60)
    ledger = read_ledger([("sweep.started", {"considered": 0}), ("sweep.queued", {"jobs": []})])
    late = START + timedelta(seconds=61)
    result = recorded_result(ledger, request, "s-1", START, deadline_of(request, START), late)
    assert result.stopped == MAX_WALL_PASSED
