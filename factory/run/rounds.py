"""Follow-up rounds: the same run works again on its open pull request.

`start_round` resumes the run's LangGraph thread from its last checkpoint, rewound with
`update_state(..., as_node="plan")` so the next node is `code`: code -> test -> review ->
gate -> deliver run again at the run's level, on the same branch, under the same lease,
claim and audit chain. Deliver pushes new commits to the branch (never a second pull
request), logs the round in the PR body and replies to each item (`round_records.py`).

A round is cheap: the clone, the sandbox image and the base commit's test baseline are
reused, and the preflight a new run makes (models, Docker, orphan sandboxes) is not repeated:
the run passed it, and a round that cannot reach them stops resumably like any run. Its
sandbox container starts in the background as soon as the round is known to go ahead, while
the round fetches the clone and sets its run up (`_warm_sandbox`).
A process killed mid-round leaves the round in the checkpoint: `factory resume RUN` finishes
it once (steps already committed are reused, replies and `round.finished` are written once).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import docker
from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel, ConfigDict

from factory.config import FactoryConfig, RepoConfig
from factory.forges.base import Forge
from factory.governance.halts import unhalt_hint
from factory.governance.limits import check_before_start
from factory.run.checkpoints import open_checkpointer
from factory.run.driving import RunError, ScopeHalted, claim_again, drive, hold_lease
from factory.run.hooks import RunHooks
from factory.run.round_records import ROUND_REQUESTED, ROUND_STARTED, round_limits
from factory.run.round_state import (
    RoundLogEntry,
    RoundOutcome,
    RoundRequest,
    round_request,
    round_signature,
)
from factory.run.run_context import NodeObserver, RunContext
from factory.run.runner import recorded_options
from factory.run.setup import RunOptions, run_repo
from factory.run.state import RunState
from factory.run.summary import RunSummary
from factory.store import RunStatus, Store
from factory.store.database import installation_id
from sandboxes.errors import SandboxError
from sandboxes.pool import WarmPool

__all__ = [
    "ROUND_STATUSES",
    "checkpointed_state",
    "RoundLogEntry",
    "RoundRequest",
    "RoundResult",
    "round_request",
    "round_signature",
    "start_round",
]

ROUND_STATUSES = (RunStatus.PR_OPEN, RunStatus.NEEDS_HUMAN, RunStatus.WAITING_APPROVAL)
"""A run whose pull request is open and in people's hands may get a round."""


class RoundResult(BaseModel):
    """How a round ended."""

    model_config = ConfigDict(frozen=True)

    round: int
    outcome: RoundOutcome
    ending: str | None
    """The run's ending after the round (None while it waits for an approval)."""
    reason: str | None = None
    pushed_sha: str | None = None
    sandbox_seconds: float = 0.0
    """Time spent inside sandbox commands during the round (the rest is orchestration)."""


def start_round(
    config: FactoryConfig,
    store: Store,
    run_id: str,
    request: RoundRequest,
    *,
    forge: Forge,
    observer: NodeObserver | None = None,
) -> RoundResult:
    """Run one follow-up round of `run_id` on `request`; RunError when the run cannot take
    one (no open pull request, a live driver, halted)."""
    run = store.runs.get(run_id)
    _check_takes_round(run.id, run.status)
    options = recorded_options(store, run_id)
    _, repo = run_repo(config, run)  # the checkout a path-given run works in must still be there
    check_before_start(config, store, run.repo, replay=options.replay is not None)
    summary = _drive_round(config, store, run_id, request, forge, observer, options, repo)
    state = summary.state
    entry = next((e for e in state.rounds if e.number == state.round), None)
    outcome: RoundOutcome = cast(RoundOutcome, entry.outcome) if entry else "failed"
    pushed = entry.head_sha if entry and entry.outcome in ("pushed", "merged") else None
    return RoundResult(
        round=state.round,
        outcome=outcome,
        ending=state.ending,
        reason=state.error,
        pushed_sha=pushed,
        sandbox_seconds=summary.sandbox_seconds,
    )


def _drive_round(
    config: FactoryConfig,
    store: Store,
    run_id: str,
    request: RoundRequest,
    forge: Forge,
    observer: NodeObserver | None,
    options: RunOptions,
    repo: RepoConfig,
) -> RunSummary:
    with hold_lease(config, store, run_id) as lease:
        run = store.runs.get(run_id)
        _check_takes_round(run.id, run.status)
        halt = store.halts.for_repo(run.repo)
        if halt is not None:
            raise ScopeHalted(f"{run.repo} is halted ({halt.reason}); `{unhalt_hint(halt)}` first")
        claim_again(store, run)

        def rewind(graph: Any, thread: dict[str, Any], ctx: RunContext) -> None:
            state = RunState.model_validate(graph.get_state(cast(RunnableConfig, thread)).values)
            if state.pr_number is None:
                raise RunError(f"{run_id} has no pull request to follow up")
            number = state.round + 1
            store.events.append(
                run_id,
                ROUND_REQUESTED,
                "system",
                {
                    "round": number,
                    "kind": request.kind,
                    "items": [item.id for item in request.items],
                    "signature": request.signature,
                    "head_sha": request.head_sha,
                },
            )
            graph.update_state(
                cast(RunnableConfig, thread),
                {
                    "round": number,
                    "round_request": request,
                    "ending": None,
                    "error": None,
                    "decision": None,
                    "review": None,
                    "feedback": None,
                    "max_iterations": state.iteration + _round_iterations(store, run_id),
                },
                as_node="plan",
            )
            # After the checkpoint: a round killed from here on is finished by `resume`.
            store.events.append(
                run_id,
                ROUND_STARTED,
                "system",
                {
                    "round": number,
                    "kind": request.kind,
                    "cost_usd_before": state.cost_usd,
                    "model_calls_before": state.model_calls,
                    "changes_before": len(state.changes),
                    "tokens_before": state.tokens,
                    "wall_s_before": state.wall_s,
                },
            )
            # The equipment was built before the round existed: its budget now counts the
            # round's spend from here (`round_limits`), as a resumed round's will.
            values = graph.get_state(cast(RunnableConfig, thread)).values
            ctx.deps.budget.limits = round_limits(
                store, run_id, ctx.deps.budget.limits, values, ctx.repo.followup_budget_usd
            )

        with _warm_sandbox(config, repo, run_id) as pool:  # ours to start: we hold the lease
            hooks = RunHooks(forge=forge, prepare_thread=rewind, pool=pool)
            return drive(config, store, lease, options, None, observer, hooks)


@contextmanager
def _warm_sandbox(
    config: FactoryConfig, repo: RepoConfig, run_id: str
) -> Iterator[WarmPool | None]:
    """The round's sandbox, started in the background now, so that its container's start
    (most of a round's own cost) overlaps the round's setup; `equip_run` takes it and checks
    the round's worktree out into it. Removed with the pool if the round stops before taking
    it. None for a repository with setup commands: its sandbox runs the image built for them.
    """
    pool = None if repo.setup else _started_pool(config, run_id)
    try:
        yield pool
    finally:
        if pool is not None:
            pool.shutdown()


def _started_pool(config: FactoryConfig, run_id: str) -> WarmPool | None:
    """A pool starting one sandbox for the run; None without an engine or the image: the
    round's own setup then meets the same and records it as a run's does (resumably)."""
    try:
        pool = WarmPool(
            config.sandbox,
            size=1,
            refill=False,
            run_id=run_id,
            installation=installation_id(config.database_url),
            # Where the run's worktree is (or is made): a resume after a crash finds it there.
            slot_root=config.factory.data_dir / "worktrees",
            slot_name=run_id,
        )
    except (SandboxError, docker.errors.DockerException):
        return None
    try:
        pool.start()
    except (SandboxError, docker.errors.DockerException):
        pool.shutdown()  # its empty slot folder
        return None
    return pool


def checkpointed_state(config: FactoryConfig, run_id: str) -> RunState | None:
    """The run's state as its last checkpoint holds it (None before its first node)."""
    with open_checkpointer(config) as checkpointer:
        saved = checkpointer.get_tuple(
            cast(RunnableConfig, {"configurable": {"thread_id": run_id}})
        )
    if saved is None:
        return None
    values = saved.checkpoint["channel_values"]
    # The channels also hold LangGraph's own (`branch:to:...`): only the state's fields.
    return RunState.model_validate({k: v for k, v in values.items() if k in RunState.model_fields})


def _check_takes_round(run_id: str, status: str) -> None:
    if RunStatus(status) not in ROUND_STATUSES:
        raise RunError(
            f"{run_id} is {status}: only a run whose pull request is open "
            f"({', '.join(s.value for s in ROUND_STATUSES)}) takes a follow-up round"
        )


def _round_iterations(store: Store, run_id: str) -> int:
    """The coder passes a round may take: as many as the run started with."""
    for event in store.events.read(run_id):
        if event.kind == "run.started":
            started = json.loads(event.payload).get("state", {})
            return max(1, int(started.get("max_iterations", 3)))
    return 3
