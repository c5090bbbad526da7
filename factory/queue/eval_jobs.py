"""`factory eval run --enqueue`: an eval's attempts as jobs, for workers on PostgreSQL.

The eval is recorded as `factory eval run` records it, then every attempt not yet judged is
one job (keyed by eval, task and attempt: queueing it twice queues it once). A job first
reserves its attempt under the eval's row lock (`Store.begin_eval_attempt`), applying
`run.batch_budget`'s rule to what the eval's judged attempts spent plus the per-run limit of
every attempt still running; it then runs the attempt exactly as the in-process driver does
(`eval.driver.Attempts`). A worker asked to stop stops the attempt's run at its next node
boundary and the job goes back to the queue; its retry resumes that run. The job that ends
the last running attempt settles the eval's figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from factory.config import FactoryConfig
from factory.eval.driver import (
    JUDGED,
    Attempts,
    EvalOptions,
    EvalPlan,
    open_eval,
    pending_attempts,
    recorded_eval,
    settle_eval,
    unfinished_run,
)
from factory.eval.results import TaskResult
from factory.queue.app import open_queue
from factory.queue.task_names import EVAL_TASK, RUNS_QUEUE
from factory.queue.tasks import remove_dead_sandboxes, wait_for_dead_lease
from factory.run.batch_budget import Spend, SweepBudget, over_budget, per_run_limit
from factory.store import Store

if TYPE_CHECKING:
    from procrastinate.job_context import JobContext

    from factory.store.models import EvalResultRecord


class EnqueuedEval(BaseModel):
    eval_id: str
    repo: str
    config_hash: str
    jobs: list[int]
    already: int
    """Attempts whose job was queued before (not queued again)."""


def attempt_lock(eval_id: str, instance_id: str, attempt: int) -> str:
    return f"eval:{eval_id}:{instance_id}:{attempt}"


def enqueue_eval(config: FactoryConfig, store: Store, options: EvalOptions) -> EnqueuedEval:
    """Record the eval (or take up a stopped one) and queue a job per attempt left."""
    from procrastinate.exceptions import AlreadyEnqueued

    jobs: list[int] = []
    already = 0
    with open_queue(config) as app:  # first: no queue, no eval recorded
        plan = open_eval(config, store, options)
        for task, number in pending_attempts(store, plan):
            lock = attempt_lock(plan.eval_id, task.instance_id, number)
            try:
                jobs.append(
                    app.configure_task(
                        EVAL_TASK, queue=RUNS_QUEUE, lock=lock, queueing_lock=lock
                    ).defer(eval_id=plan.eval_id, instance_id=task.instance_id, attempt=number)
                )
            except AlreadyEnqueued:
                already += 1
    return EnqueuedEval(
        eval_id=plan.eval_id,
        repo=plan.repo,
        config_hash=plan.config_hash,
        jobs=jobs,
        already=already,
    )


def drive_eval_job(
    config: FactoryConfig, context: JobContext, eval_id: str, instance_id: str, attempt: int
) -> dict[str, Any]:
    """One attempt of an eval on a worker: reserve it within the budget, run it, record it."""
    from procrastinate.exceptions import JobAborted
    from procrastinate.job_context import AbortReason

    with Store.open(config) as store:
        plan = recorded_eval(config, store, eval_id)
        task = next((t for t in plan.tasks if t.instance_id == instance_id), None)
        if task is None:
            return {"eval_id": eval_id, "skipped": f"{instance_id} is not a task of the eval"}
        if any(
            (row.instance_id, row.attempt, row.status in JUDGED) == (instance_id, attempt, True)
            for row in store.evals.results([eval_id])
        ):
            return {"eval_id": eval_id, "instance_id": instance_id, "status": "already judged"}
        budget = SweepBudget(usd=plan.options.budget_usd, tokens=plan.options.budget_tokens)
        limit = per_run_limit(config, plan.repo)

        def refuse(rows: list[EvalResultRecord]) -> str | None:
            committed = Spend()
            for row in rows:
                if row.status == "running":
                    committed = committed.plus(limit)
                elif row.status in JUDGED:
                    result = TaskResult.model_validate_json(row.result)
                    usd = limit.usd if result.cost_usd is None else result.cost_usd
                    committed = committed.plus(Spend(usd=usd, tokens=result.tokens))
            refused = over_budget(budget, committed, limit)
            return None if refused is None else f"budget: {refused}"

        refused = store.evals.begin_attempt(eval_id, instance_id, attempt, refuse)
        if refused is not None:
            _settle_when_idle(store, plan)
            return {"eval_id": eval_id, "instance_id": instance_id, "skipped": refused}
        one_at_a_time = plan.options.model_copy(update={"concurrency": 1})  # one attempt a job
        left = unfinished_run(store, plan, instance_id, attempt)
        if left is not None:  # a retry after the worker died: its run resumes here
            remove_dead_sandboxes(left)
            wait_for_dead_lease(config, store, left, context)

        def should_stop() -> str | None:
            return "the worker is stopping" if context.should_abort() else None

        with Attempts(config, store, plan.model_copy(update={"options": one_at_a_time})) as runs:
            runs.judges_left = 1  # this job judges one attempt; its pool starts no second
            result, status = runs.run(task, attempt, should_stop)
        if status == "stopped" and context.abort_reason() is AbortReason.SHUTDOWN:
            raise JobAborted(f"worker stopping: attempt {instance_id} #{attempt} goes back")
        _settle_when_idle(store, plan)
    return {
        "eval_id": eval_id,
        "instance_id": instance_id,
        "status": status,
        "resolved": result.resolved,
    }


def _settle_when_idle(store: Store, plan: EvalPlan) -> None:
    """Settle the eval once every attempt has a row and none is running (idempotent: two
    jobs ending together compute the same figures from the same rows)."""
    rows = store.evals.results([plan.eval_id])
    if len(rows) >= plan.attempts and not any(row.status == "running" for row in rows):
        settle_eval(store, plan)
