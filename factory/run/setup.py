"""Everything a run needs before its first node: which repository, which models, which level,
and the live equipment (clone, worktree, sandbox, forge, budget) it runs with."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agents.runtime import AgentDeps
from agents.test_report import detect_test_command
from factory.config import FactoryConfig, RepoConfig
from factory.config.prices import UnenforceableBudget, check_budget_enforceable
from factory.config.repo_settings import governing_repo_config
from factory.forges.base import Forge
from factory.forges.build import MissingForgeToken, repo_forge
from factory.git import branch_name, create_worktree, ensure_clone, read_from_base, remove_worktree
from factory.git.base_branch import base_branch_of
from factory.git.command import GitError
from factory.governance.autonomy import assess_repo
from factory.governance.limits import SpendGuard
from factory.run.round_records import round_limits
from factory.run.run_context import MeteredSandbox, RunContext
from factory.run.state import RunState
from factory.store import Run, Store
from factory.store.database import installation_id
from factory.support.errors import FactoryError
from factory.tickets.model import Ticket
from harness.budget import RunBudget
from harness.build import build_model
from harness.config import AgentRole, BudgetConfig, ProviderConfig
from harness.events import HarnessEvent
from harness.messages import Usage
from harness.model import ChatModel
from harness.pricing import PriceTable
from harness.replay import RecordingModel, ReplayModel
from policies.autonomy import Assessment
from sandboxes.docker_sandbox import DockerSandbox
from sandboxes.pool import WarmPool
from sandboxes.setup_cache import prepare_setup_image

ROLES: tuple[AgentRole, ...] = ("planner", "coder", "tester", "reviewer")


class RunOptions(BaseModel):
    """What `factory run` was asked for, recorded with the run so a resume uses the same."""

    model_config = ConfigDict(extra="forbid")

    repo: str | None = None
    model: str | None = None
    max_iterations: int | None = Field(default=None, ge=1, le=20)
    budget_usd: float | None = Field(default=None, gt=0, le=1_000_000)
    record: Path | None = None
    replay: Path | None = None
    keep_worktree: bool = False
    force_new: bool = False
    """Start a run even though the ticket has an open run or factory PR (said so, on purpose)."""


class SetupError(FactoryError, ValueError):
    """The run cannot start as asked; the message says what to change."""

    code = "bad_input"


def resolve_repo(config: FactoryConfig, wanted: str | None) -> tuple[str, RepoConfig]:
    """The configured repository a run targets: by name, by GitHub `owner/name`, or by path."""
    if wanted is None:
        if len(config.repos) == 1:
            return next(iter(config.repos.items()))
        known = ", ".join(sorted(config.repos)) or "none configured"
        raise SetupError(f"which repository? pass --repo NAME|PATH (configured: {known})")
    if wanted in config.repos:
        return wanted, config.repos[wanted]
    for name, repo in config.repos.items():
        if repo.github == wanted:
            return name, repo
    path = Path(wanted).expanduser()
    if path.is_dir() and (path / ".git").exists():
        resolved = path.resolve()
        for name, repo in config.repos.items():
            if repo.path is not None and repo.path.resolve() == resolved:
                return name, repo
        test_command = detect_test_command(resolved) or "python -m pytest -q"
        return resolved.name, RepoConfig(path=resolved, test_command=test_command)
    known = ", ".join(sorted(config.repos)) or "none configured"
    raise SetupError(
        f"unknown repository {wanted!r}: name one from factory.toml ({known}) "
        "or pass the path of a git checkout"
    )


def run_repo(config: FactoryConfig, run: Run) -> tuple[str, RepoConfig]:
    """The repository a recorded run works in: the checkout it started in, or its name."""
    if run.repo_path is None:
        return resolve_repo(config, run.repo)
    path = Path(run.repo_path)
    if not (path / ".git").exists():
        raise SetupError(
            f"run {run.id} works in {path}, which is no longer a git checkout; "
            "put the repository back there to continue it"
        )
    return resolve_repo(config, str(path))


def check_model_configured(config: FactoryConfig, options: RunOptions) -> None:
    """Fail before anything happens when no agent could reach a model."""
    from factory.checks.models import model_findings

    findings = model_findings(config, options.replay)
    if findings:
        raise SetupError("\n".join(finding.line for finding in findings))


def new_run_id() -> str:
    """A run id like `r-3f9c2a1b7d`."""
    return f"r-{uuid.uuid4().hex[:10]}"


def new_run_state(
    config: FactoryConfig,
    store: Store,
    name: str,
    repo: RepoConfig,
    ticket: Ticket,
    options: RunOptions,
    run_id: str | None = None,
) -> tuple[RunState, Assessment | None]:
    """The first state of a new run, and the autonomy assessment (None for ad-hoc repos)."""
    check_model_configured(config, options)
    if options.replay is None:
        try:
            check_budget_enforceable(config, operator_budget(config, name, options), options.model)
        except UnenforceableBudget as refused:
            raise SetupError(str(refused)) from refused
    run_id = run_id or new_run_id()
    branch = branch_name(ticket.key, ticket.title)
    if _branch_taken(store, name, branch):
        branch = f"{branch}-{run_id[2:8]}"
    assessment: Assessment | None = None
    level = repo.autonomy.min.value
    if name in config.repos:
        assessment = assess_repo(config, store, name)
        level = assessment.level.value
    state = RunState(
        run_id=run_id,
        ticket=ticket,
        repo=name,
        base_branch=base_branch_of(repo),
        branch=branch,
        level=level,
        max_iterations=options.max_iterations or repo.max_iterations,
    )
    return state, assessment


def _branch_taken(store: Store, repo: str, branch: str) -> bool:
    return any(run.branch == branch for run in store.runs.latest(repo=repo, limit=1000))


def _models(config: FactoryConfig, options: RunOptions) -> dict[AgentRole, ChatModel]:
    if options.replay is not None:
        shared = ReplayModel(options.replay)
        return dict.fromkeys(ROLES, shared)
    models: dict[AgentRole, ChatModel] = {}
    built: dict[str, ChatModel] = {}
    for role in ROLES:
        chosen: ProviderConfig = config.models.for_role(role)
        if options.model:
            chosen = chosen.model_copy(update={"model": options.model})
        # Roles with the same settings share one model: a replayed cassette holds the turns
        # of every role in order, so one player must serve them all, as with --replay.
        key = chosen.model_dump_json()
        if key not in built:
            built[key] = build_model(chosen)
        models[role] = built[key]
    if options.record is not None:
        return {role: RecordingModel(model, options.record) for role, model in models.items()}
    return models


def make_forge(config: FactoryConfig, store: Store, name: str, repo: RepoConfig) -> Forge:
    """The forge the repository's branches and pull requests live on (also for a checkout
    given by path, which factory.toml does not name)."""
    try:
        return repo_forge(config, store.pull_requests, name, repo)
    except MissingForgeToken as error:
        raise SetupError(str(error)) from error


def operator_budget(config: FactoryConfig, name: str, options: RunOptions) -> BudgetConfig:
    """The operator's limits for a run: the repo's `budget` or `[budgets]`, and `--budget-usd`."""
    limits = config.budget_for(name)
    if options.budget_usd is not None:
        limits = limits.model_copy(update={"max_usd": options.budget_usd})
    return limits


def _budget(limits: BudgetConfig, values: dict[str, Any], spend: SpendGuard | None) -> RunBudget:
    # A resumed run keeps spending from where it stopped, not from zero.
    budget = RunBudget(
        limits,
        spent_before_s=float(values.get("wall_s", 0.0)),
        interrupt=spend.stop_reason if spend is not None else None,
    )
    budget.steps = int(values.get("model_calls", 0))
    budget.cost_usd = float(values.get("cost_usd", 0.0))
    budget.unpriced_calls = int(values.get("unpriced_calls", 0))
    budget.usage = Usage(input_tokens=int(values.get("tokens", 0)))
    return budget


@contextmanager
def equip_run(
    config: FactoryConfig,
    store: Store,
    run_id: str,
    name: str,
    operator_repo: RepoConfig,
    options: RunOptions,
    values: dict[str, Any],
    pool: WarmPool | None = None,
    forge: Forge | None = None,
) -> Iterator[RunContext]:
    """Clone, worktree, sandbox, models and budget for one stretch of a run; all torn down after.

    With a warm `pool` (and no per-repository setup image), the sandbox is a pre-started one
    and the worktree is checked out into its empty slot, which it already mounts.
    """
    data = config.factory.data_dir
    run = store.runs.get(run_id)
    assert run.branch is not None
    if operator_repo.base_branch is None and values.get("base_branch"):
        # Detected when the run started (see factory.checks.preflight) and checkpointed since.
        operator_repo = operator_repo.model_copy(update={"base_branch": values["base_branch"]})
    forge = forge or make_forge(config, store, name, operator_repo)
    source, env = forge.clone_source()
    try:
        clone = ensure_clone(source, data / "clones", env=env)
    except GitError as error:
        raise SetupError(str(error)) from error
    base_text = read_from_base(clone, base_branch_of(operator_repo), "factory.toml")
    operator = operator_repo.model_copy(update={"budget": operator_budget(config, name, options)})
    repo = governing_repo_config(operator, base_text, name)
    assert repo.budget is not None
    with ExitStack() as stack:
        pooled = pool.acquire() if pool is not None and not repo.setup else None
        if pooled is not None and pool is not None:
            # Runs last, after the worktree is gone and the stretch's work is recorded: the
            # container is removed in the background (the process still waits for it).
            stack.callback(pool.release, pooled)
        path = pooled.worktree if pooled is not None and pooled.worktree else None
        worktree = create_worktree(
            clone,
            base_branch=base_branch_of(repo),
            branch=run.branch,
            path=path or data / "worktrees" / run_id,
        )
        stack.callback(remove_worktree, worktree, keep=options.keep_worktree)
        if pooled is not None:
            image = pooled.image
            sandbox = pooled
        else:
            image = prepare_setup_image(
                config.sandbox,
                worktree.path,
                repo.setup,
                run_id=run_id,
                installation=installation_id(config.database_url),
            ).image
            sandbox = stack.enter_context(
                DockerSandbox(
                    config.sandbox,
                    worktree=worktree.path,
                    run_id=run_id,
                    image=image,
                    installation=installation_id(config.database_url),
                )
            )
        metered = MeteredSandbox(sandbox)
        models = _models(config, options)
        replay = next((m for m in models.values() if isinstance(m, ReplayModel)), None)
        # A replayed cassette spends nothing; every real model call is held to [limits].
        spend = None if options.replay is not None else SpendGuard(config, store, run_id, name)

        def on_event(event: HarnessEvent) -> None:
            ctx.record_harness_event(event)  # bound late: the context is built from these deps

        deps = AgentDeps(
            worktree=worktree.path,
            sandbox=metered,
            model_for=models.__getitem__,
            budget=_budget(
                round_limits(store, run_id, repo.budget, values, repo.followup_budget_usd),
                values,
                spend,
            ),
            on_event=on_event,
            prices=PriceTable(config.pricing),
            transcripts=store.blobs,
            context_window=config.models.default.context_window,
            test_command=repo.test_command,
            command_timeout_s=config.sandbox.command_timeout_s,
            stuck=config.stuck,
        )

        def baseline_sandbox(path: Path) -> DockerSandbox:
            return DockerSandbox(
                config.sandbox,
                worktree=path,
                run_id=run_id,
                role="baseline",
                image=image,
                installation=installation_id(config.database_url),
            )

        ctx = RunContext(
            config=config,
            repo=repo,
            store=store,
            forge=forge,
            worktree=worktree,
            sandbox=metered,
            deps=deps,
            run_id=run_id,
            replay=replay,
            baseline_sandbox=baseline_sandbox,
            base_config_text=base_text,
            spend=spend,
        )
        yield ctx
