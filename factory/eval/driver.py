"""`factory eval run`: every task of a set through the real graph, judged by its hidden tests.

Each attempt is one ordinary run (`run.runner.start_run`) on a throwaway repository at the
task's base commit (`workspace.py`), marked with the eval's id, at L1 and with the
`EvalForge`: it plans, codes, tests, reviews and is gated like any run, and delivers
nothing. Then the hidden tests judge it and the gate's recorded context is re-judged at L2
and L3. Attempts start under the sweep's rules: a budget checked before each start
(`run.batch_budget`), Ctrl-C drains (`support.stopping`), and what was judged is kept per attempt,
so `--resume ID` carries on where a stopped eval left off.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from factory.config import ConfigError, FactoryConfig, RepoConfig
from factory.config.fingerprint import configuration_hash
from factory.eval.figures import EvalFigures, figures
from factory.eval.results import TaskResult
from factory.eval.tasks import EvalInputError, EvalTask, read_tasks
from factory.eval.workspace import judge_change, make_throwaway, remove_throwaway
from factory.forges.build import repo_forge
from factory.forges.eval_forge import EvalForge
from factory.gate.replay import GATE_DECISION_EVENT, decisions_at_levels
from factory.git import ensure_clone
from factory.git.base_branch import base_branch_of
from factory.git.worktree import slugify
from factory.run.batch_budget import Spend, SweepBudget, over_budget, per_run_limit
from factory.run.hooks import RunHooks, StopCheck
from factory.run.runner import RunSummary, resume_run, start_run
from factory.run.setup import RunOptions
from factory.store import RunStatus, Store
from factory.store.models import EvalResultRecord, EvalTaskRecord
from factory.support.stopping import StopSignal
from factory.tickets.model import MAX_TICKET_CHARS, Ticket
from policies.config import AutonomyLevel, AutonomyRange
from policies.errors import PolicyConfigError
from sandboxes.pool import WarmPool

Progress = Callable[[str], None]
EVAL_LEVEL = AutonomyLevel.L1
"""Eval runs are gated at L1 (a pull request, never a merge); L2 and L3 are re-judged."""
REJUDGED = [AutonomyLevel.L2, AutonomyLevel.L3]


class EvalOptions(BaseModel):
    repo: str | None = None
    tasks_file: Path | None = None
    concurrency: int = Field(default=1, ge=1, le=32)
    budget_usd: float | None = Field(default=None, gt=0)
    budget_tokens: int | None = Field(default=None, gt=0)
    repeat: int = Field(default=1, ge=1, le=100)
    limit: int | None = Field(default=None, ge=1)
    model: str | None = None
    resume: str | None = None


class EvalSummary(BaseModel):
    eval_id: str
    repo: str
    config_hash: str
    status: str
    stopped_reason: str | None = None
    figures: EvalFigures
    results: list[TaskResult]


def task_from_record(row: EvalTaskRecord) -> EvalTask:
    return EvalTask(
        instance_id=row.instance_id,
        repo=row.repo,
        base_commit=row.base_commit,
        patch=row.patch,
        test_patch=row.test_patch,
        problem_statement=row.problem_statement,
        FAIL_TO_PASS=json.loads(row.fail_to_pass),
        PASS_TO_PASS=json.loads(row.pass_to_pass),
        evidence=row.evidence,
    )


def store_tasks(store: Store, repo: str, tasks: list[EvalTask]) -> None:
    """Import tasks (from a file) into the store under `repo`, replacing same-id tasks."""
    for task in tasks:
        store.evals.save_task(
            repo,
            task.instance_id,
            base_commit=task.base_commit,
            source_commit=None,
            patch=task.patch,
            test_patch=task.test_patch,
            problem_statement=task.problem_statement,
            evidence=task.evidence,
            fail_to_pass=json.dumps(task.FAIL_TO_PASS),
            pass_to_pass=json.dumps(task.PASS_TO_PASS),
            status="valid",
            drop_reason=None,
        )


def choose_repo(config: FactoryConfig, wanted: str | None, tasks: list[EvalTask]) -> str:
    names = {task.repo for task in tasks if task.repo} if wanted is None else {wanted}
    known = ", ".join(sorted(config.repos)) or "none configured"
    if len(names) != 1:
        raise EvalInputError(
            f"which repository do the tasks belong to? pass --repo NAME (configured: {known})"
        )
    (name,) = names
    if name not in config.repos:
        raise EvalInputError(f"unknown repository {name!r}: name one from factory.toml ({known})")
    return name


def task_set(
    config: FactoryConfig, store: Store, options: EvalOptions
) -> tuple[str, list[EvalTask]]:
    """The repository and its tasks, from a JSONL file (imported first) or the store."""
    if options.tasks_file is not None:
        tasks = read_tasks(options.tasks_file)
        name = choose_repo(config, options.repo, tasks)
        store_tasks(store, name, tasks)
    else:
        name = choose_repo(config, options.repo, [])
        tasks = [task_from_record(row) for row in store.evals.tasks(name)]
        if not tasks:
            raise EvalInputError(
                f"{name} has no eval tasks; `factory eval mine --repo {name}` finds some, "
                "or pass --tasks FILE"
            )
    return name, tasks[: options.limit] if options.limit else tasks


class _Ledger:
    """Spend of finished attempts plus the per-run limit of running ones (the sweep's rule)."""

    def __init__(self, budget: SweepBudget, limit: Spend) -> None:
        self.budget = budget
        self.limit = limit
        self.spent = Spend()
        self.running = 0
        self.lock = threading.Lock()

    def reserve(self) -> str | None:
        with self.lock:
            committed = self.spent.plus(
                Spend(usd=self.limit.usd * self.running, tokens=self.limit.tokens * self.running)
            )
            refused = over_budget(self.budget, committed, self.limit)
            if refused is None:
                self.running += 1
            return refused

    def settle(self, result: TaskResult) -> None:
        with self.lock:
            self.running -= 1
            # An unknown cost is charged at the whole per-run limit: the worst it can have been.
            usd = self.limit.usd if result.cost_usd is None else result.cost_usd
            self.spent = self.spent.plus(Spend(usd=usd, tokens=result.tokens))


def eval_repo_config(repo: RepoConfig, throwaway: Path, base_branch: str) -> RepoConfig:
    """The repository as an attempt sees it: the throwaway, its base branch, gated at L1."""
    return repo.model_copy(
        update={
            "path": throwaway,
            "github": None,
            "base_branch": base_branch,
            "autonomy": AutonomyRange(min=EVAL_LEVEL, max=EVAL_LEVEL),
            "backlog_dir": None,
        }
    )


class EvalPlan(BaseModel):
    """An eval as recorded: its id, repository, configuration, options and task set."""

    eval_id: str
    repo: str
    config_hash: str
    options: EvalOptions
    tasks: list[EvalTask]

    @property
    def attempts(self) -> int:
        return len(self.tasks) * self.options.repeat


def recorded_eval(config: FactoryConfig, store: Store, eval_id: str) -> EvalPlan:
    """The eval `eval_id` as it was started (its options and task set)."""
    record = store.evals.get(eval_id)
    params = json.loads(record.params)
    recorded = EvalOptions.model_validate({**params["options"], "resume": record.id})
    wanted = set(params["tasks"])
    rows = store.evals.tasks(record.repo)
    tasks = [task_from_record(row) for row in rows if row.instance_id in wanted]
    if record.repo not in config.repos:
        raise EvalInputError(f"eval {record.id} is of {record.repo!r}, not in factory.toml")
    return EvalPlan(
        eval_id=record.id,
        repo=record.repo,
        config_hash=record.config_hash,
        options=recorded,
        tasks=tasks,
    )


def open_eval(config: FactoryConfig, store: Store, options: EvalOptions) -> EvalPlan:
    """A new eval recorded from `options`, or (`options.resume`) the stopped one to continue."""
    if options.resume is not None:
        plan = recorded_eval(config, store, options.resume)
        store.evals.set_status(plan.eval_id, "running")
        return plan
    name, tasks = task_set(config, store, options)
    config_hash = configuration_hash(config, config.repos[name], model_override=options.model)
    record = store.evals.create(
        name,
        config_hash,
        {
            "options": options.model_dump(mode="json", exclude={"resume", "tasks_file"}),
            "tasks": [task.instance_id for task in tasks],
            "tasks_file": str(options.tasks_file) if options.tasks_file else None,
        },
    )
    return EvalPlan(
        eval_id=record.id, repo=name, config_hash=config_hash, options=options, tasks=tasks
    )


JUDGED = ("done", "error")
"""Result statuses that end an attempt; `stopped`, `running` and `skipped` do not."""


def pending_attempts(store: Store, plan: EvalPlan) -> list[tuple[EvalTask, int]]:
    judged = {
        (row.instance_id, row.attempt)
        for row in store.evals.results([plan.eval_id])
        if row.status in JUDGED
    }
    return [
        (task, number)
        for task in plan.tasks
        for number in range(plan.options.repeat)
        if (task.instance_id, number) not in judged
    ]


def unfinished_run(store: Store, plan: EvalPlan, instance_id: str, number: int) -> str | None:
    """The run a stopped (or abandoned) attempt left behind, which its next try resumes."""
    row = _unjudged_row(store, plan, instance_id, number)
    return row.run_id if row is not None else None


def _earlier_wall(store: Store, plan: EvalPlan, instance_id: str, number: int) -> float:
    """Seconds the attempt's earlier stretches took (a stopped attempt recorded its own)."""
    row = _unjudged_row(store, plan, instance_id, number)
    if row is None or row.status != "stopped":
        return 0.0
    return float(json.loads(row.result or "{}").get("wall_s", 0.0))


def _unjudged_row(
    store: Store, plan: EvalPlan, instance_id: str, number: int
) -> EvalResultRecord | None:
    for row in store.evals.results([plan.eval_id]):
        if (row.instance_id, row.attempt) == (instance_id, number) and row.status not in JUDGED:
            return row
    return None


class Attempts:
    """What every attempt of one eval shares: the configuration, store, cached clone, and
    (for a repository without setup commands) a warm pool of sandboxes for judging, one per
    concurrent attempt, started while the runs work. Use it as a context manager."""

    def __init__(self, config: FactoryConfig, store: Store, plan: EvalPlan) -> None:
        self.config = config
        self.store = store
        self.plan = plan
        self.repo = config.repos[plan.repo]
        self.base_branch = base_branch_of(self.repo)
        source, env = repo_forge(config, store.pull_requests, plan.repo).clone_source()
        self.clone = ensure_clone(source, config.factory.data_dir / "clones", env=env)
        self.pool: WarmPool | None = None
        self.judges_left: int | None = None
        """Attempts still to be judged, when the driver knows: the pool refills only for them."""
        self._lock = threading.Lock()

    def refill_after_judging(self) -> bool:
        with self._lock:
            if self.judges_left is None:
                return True
            self.judges_left -= 1
            return self.judges_left > 0

    def __enter__(self) -> Attempts:
        if not self.repo.setup:
            self.pool = WarmPool(self.config.sandbox, size=self.plan.options.concurrency)
            self.pool.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def run(self, task: EvalTask, number: int, should_stop: StopCheck) -> tuple[TaskResult, str]:
        """One attempt, run (or resumed), judged and recorded: (result, its status)."""
        result, status = _attempt(
            self.config,
            self.store,
            self.plan.eval_id,
            self.plan.repo,
            self.repo,
            self.clone,
            self.base_branch,
            task,
            number,
            self.plan.options,
            should_stop,
            unfinished_run(self.store, self.plan, task.instance_id, number),
            self.pool,
            self.refill_after_judging,
            _earlier_wall(self.store, self.plan, task.instance_id, number),
        )
        self.store.evals.record_result(
            self.plan.eval_id,
            task.instance_id,
            number,
            run_id=result.run_id,
            status=status,
            result=result.model_dump(mode="json"),
        )
        return result, status


def settle_eval(store: Store, plan: EvalPlan, stopped_reason: str | None = None) -> EvalSummary:
    """The eval's figures over what was judged, stored; `finished` once every attempt was."""
    rows = store.evals.results([plan.eval_id])
    judged = [row for row in rows if row.status in JUDGED]
    left = len(judged) < plan.attempts
    results = [TaskResult.model_validate_json(row.result) for row in judged]
    summary = figures(results)
    status = "stopped" if left else "finished"
    store.evals.set_summary(plan.eval_id, summary.model_dump(mode="json"))
    store.evals.set_status(plan.eval_id, status)
    if left and stopped_reason is None:
        skipped = [row for row in rows if row.status == "skipped"]
        if skipped:
            stopped_reason = json.loads(skipped[0].result).get("error")
    return EvalSummary(
        eval_id=plan.eval_id,
        repo=plan.repo,
        config_hash=plan.config_hash,
        status=status,
        stopped_reason=stopped_reason if left else None,
        figures=summary,
        results=results,
    )


def run_eval(
    config: FactoryConfig,
    store: Store,
    options: EvalOptions,
    *,
    stop: StopSignal | None = None,
    progress: Progress = lambda _line: None,
) -> EvalSummary:
    """Run (or resume) an eval in this process, `concurrency` attempts at a time; returns its
    figures over every attempt judged so far."""
    stop = stop or StopSignal()
    plan = open_eval(config, store, options)
    with Attempts(config, store, plan) as attempts:
        return _drive(config, store, plan, attempts, stop, progress)


def _drive(
    config: FactoryConfig,
    store: Store,
    plan: EvalPlan,
    attempts: Attempts,
    stop: StopSignal,
    progress: Progress,
) -> EvalSummary:
    pending = pending_attempts(store, plan)
    attempts.judges_left = len(pending)
    progress(
        f"eval {plan.eval_id}: {len(plan.tasks)} tasks x {plan.options.repeat}, "
        f"{len(pending)} to run"
    )
    ledger = _Ledger(
        SweepBudget(usd=plan.options.budget_usd, tokens=plan.options.budget_tokens),
        per_run_limit(config, plan.repo),
    )
    stopped_reason: str | None = None

    def attempt(task: EvalTask, number: int) -> None:
        result, status = attempts.run(task, number, lambda: stop.reason if stop.requested else None)
        ledger.settle(result)
        shown = "resolved" if result.resolved else (result.error or result.ending or "unresolved")
        progress(f"{task.instance_id} #{number}: {status}, {shown}")

    concurrency = plan.options.concurrency
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        running: set[Future[None]] = set()
        for task, number in pending:
            while len(running) >= concurrency:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    future.result()
            if stop.requested:
                stopped_reason = stop.reason
                break
            refused = ledger.reserve()
            if refused is not None:
                stopped_reason = f"budget: {refused}"
                break
            running.add(pool.submit(attempt, task, number))
        for future in running:
            future.result()
    if stop.requested and stopped_reason is None:
        stopped_reason = stop.reason
    return settle_eval(store, plan, stopped_reason)


def _attempt(
    config: FactoryConfig,
    store: Store,
    eval_id: str,
    name: str,
    repo: RepoConfig,
    clone: Path,
    base_branch: str,
    task: EvalTask,
    number: int,
    options: EvalOptions,
    should_stop: StopCheck,
    stopped_run: str | None,
    pool: WarmPool | None = None,
    refill: Callable[[], bool] = lambda: True,
    wall_before: float = 0.0,
) -> tuple[TaskResult, str]:
    """One attempt: (its result, `done` | `error` | `stopped`)."""
    label = f"{slugify(task.instance_id, 40)}-{number}"
    throwaway = config.factory.data_dir / "evals" / eval_id / label / "repo"
    eval_config = config.model_copy(deep=True)
    eval_config.repos[name] = eval_repo_config(repo, throwaway, base_branch)
    forge = EvalForge(throwaway)
    hooks = RunHooks(
        should_stop=should_stop,
        ticket=_ticket(eval_id, name, task, number),
        eval_id=eval_id,
        forge=forge,
        on_run_created=lambda run_id: store.evals.note_run(
            eval_id, task.instance_id, number, run_id
        ),
    )
    result = TaskResult(instance_id=task.instance_id, attempt=number, evidence=task.evidence)
    began = time.perf_counter()
    try:
        if stopped_run is not None and throwaway.exists():
            summary = resume_run(eval_config, store, stopped_run, hooks=hooks)
        else:
            make_throwaway(clone, throwaway, base_branch, task.base_commit)
            options_for_run = RunOptions(repo=name, model=options.model)
            summary = start_run(eval_config, store, "", options_for_run, hooks=hooks)
    except Exception as error:  # the attempt failed to run: recorded, never a crash of the eval
        remove_throwaway(config, throwaway)
        return result.model_copy(update={"error": _first_line(error)}), "error"
    wall = wall_before + time.perf_counter() - began
    result = _from_run(store, result, summary, wall, forge)
    if summary.status is RunStatus.RUNNING:
        return result.model_copy(update={"error": "stopped before the run ended"}), "stopped"
    try:
        result = result.model_copy(update={"decision_at": _rejudged(eval_config, store, summary)})
        report = judge_change(
            config,
            repo,
            throwaway,
            branch=summary.state.branch,
            base_commit=task.base_commit,
            test_patch=task.test_patch,
            label=f"j-{summary.run_id[2:]}",
            pool=pool,
            refill=refill(),
        )
    except Exception as error:  # judging failed: the attempt is not counted, and says why
        return result.model_copy(update={"error": f"judging: {_first_line(error)}"}), "error"
    finally:
        remove_throwaway(config, throwaway)
    if not report.structured:
        return result.model_copy(
            update={"error": "the hidden tests gave no per-test report (JUnit XML)"}
        ), "error"
    passed = {case.id for case in report.cases if case.outcome == "passed"}
    failing = [test for test in [*task.FAIL_TO_PASS, *task.PASS_TO_PASS] if test not in passed]
    return result.model_copy(update={"resolved": not failing, "failing": failing}), "done"


def _from_run(
    store: Store, result: TaskResult, summary: RunSummary, wall_s: float, forge: EvalForge
) -> TaskResult:
    state = summary.state
    decision = state.decision
    return result.model_copy(
        update={
            "run_id": summary.run_id,
            "ending": summary.status.value,
            "cost_usd": state.cost_usd if state.cost_known else None,
            "tokens": state.tokens,
            "wall_s": wall_s,
            "iterations": state.iteration,
            "gate_level": decision.level.value if decision else None,
            "gate_decision": decision.decision.value if decision else None,
            "reviewer_verdict": state.review.verdict if state.review else None,
            "would_deliver": list(forge.actions),
        }
    )


def _rejudged(config: FactoryConfig, store: Store, summary: RunSummary) -> dict[str, str]:
    """The last recorded gate context of the run, judged at L2 and L3 (empty: never gated)."""
    payload: dict[str, Any] | None = None
    for event in store.events.read(summary.run_id):
        if event.kind == GATE_DECISION_EVENT:
            payload = json.loads(event.payload)
    if payload is None:
        return {}
    try:
        decided = decisions_at_levels(config, payload, REJUDGED)
    except (ValidationError, ConfigError, PolicyConfigError, KeyError) as error:
        raise RuntimeError(f"the recorded gate cannot be re-judged: {error}") from error
    return {level: kind.value for level, kind in decided.items()}


def _ticket(eval_id: str, repo: str, task: EvalTask, number: int) -> Ticket:
    statement = task.problem_statement[:MAX_TICKET_CHARS]
    title = next((line.strip() for line in statement.splitlines() if line.strip()), "")
    return Ticket(
        key=f"eval-{slugify(task.instance_id, 50)}-{number}",
        ref=f"eval:{eval_id}/{task.instance_id}/{number}",
        title=(title or task.instance_id)[:500],
        body=statement,
        source="eval",
        repo=repo,
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:500]
