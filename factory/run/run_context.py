"""The live equipment around a run's checkpointed state: store, forge, worktree, agents.

Built fresh by the runner each time a run starts or resumes; never checkpointed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import structlog

from agents.runtime import AgentDeps
from factory.config import FactoryConfig, RepoConfig
from factory.forges.base import Forge
from factory.git import RunWorktree
from factory.git.worktree import restore_git_entry
from factory.governance.limits import SpendGuard
from factory.run.hooks import RunHooks, RunStopped
from factory.run.state import RunState
from factory.store import RunStatus, Store
from factory.support import failpoints
from harness.events import HarnessEvent
from harness.replay import ReplayModel
from sandboxes.base import ExecResult, Sandbox

log = structlog.get_logger()

WALL_EXEMPT_NODES = frozenset({"deliver", "await_approval"})
"""Nodes the wall budget never stops: the run's work is done and its outcome is on the forge."""

NodeObserver = Callable[[str, str, RunState | None], None]
"""Called with (node, "started" | "finished", state) for the live view; a worker's observer
may raise `RunInterrupted` at "started" to stop the run at that node boundary."""


class RunInterrupted(RuntimeError):
    """Stop at this node boundary, resumably: the nodes before it are checkpointed, and the run
    is recorded with `status` (the message is its outcome)."""

    status = RunStatus.HALTED

    def __init__(self, message: str, status: RunStatus | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class RunHalted(RunInterrupted):
    """A halt is in force for the run's repository: stop at this node boundary, resumably."""


class MeteredSandbox:
    """A `Sandbox` that adds up the time spent inside commands (for the overhead figures)."""

    def __init__(self, inner: Sandbox) -> None:
        self.inner = inner
        self.seconds = 0.0

    def exec(
        self,
        cmd: str | Sequence[str],
        *,
        timeout: float | None = None,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        started = time.perf_counter()
        try:
            return self.inner.exec(cmd, timeout=timeout, cwd=cwd, env=env)
        finally:
            self.seconds += time.perf_counter() - started

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


@dataclass
class RunContext:
    """What every node may use. `repo` is the configuration read from the base branch."""

    config: FactoryConfig
    repo: RepoConfig
    store: Store
    forge: Forge
    worktree: RunWorktree
    sandbox: MeteredSandbox
    deps: AgentDeps
    run_id: str
    replay: ReplayModel | None = None
    observer: NodeObserver | None = None
    baseline_sandbox: Callable[[Path], Sandbox] | None = None
    """Makes a sandbox over another directory (the base commit, for the baseline test run)."""
    base_config_text: str | None = None
    """The repo's own factory.toml as it is on the base branch, if it has one."""
    node_seconds: dict[str, float] = field(default_factory=dict)
    check_lease: Callable[[], None] | None = None
    """Raises LeaseLost when another process has taken the run over (see DriverLease)."""
    hooks: RunHooks = field(default_factory=RunHooks)
    spend: SpendGuard | None = None
    """Records each model call's spend against `[limits]` (None for a replayed run)."""

    @property
    def data_dir(self) -> Path:
        return self.config.factory.data_dir

    def event(self, kind: str, payload: Mapping[str, Any], actor: str = "system") -> None:
        self.store.events.append(self.run_id, kind, actor, payload)

    def record_harness_event(self, event: HarnessEvent) -> None:
        payload = event.model_dump(mode="json", exclude_none=True)
        actor = payload.pop("role", None) or "system"
        self.store.events.append(self.run_id, event.kind, actor, payload)
        if self.hooks.on_activity is not None:
            self.hooks.on_activity(event)
        if event.kind == "model.call":
            tokens_in = (
                (event.input_tokens or 0)
                + (event.cache_read_tokens or 0)
                + (event.cache_write_tokens or 0)
            )
            tokens_out = event.output_tokens or 0
            self.store.runs.add_usage(
                self.run_id, cost_usd=event.cost_usd, tokens_in=tokens_in, tokens_out=tokens_out
            )
            if self.spend is not None:
                self.spend.record(event.cost_usd, tokens_in + tokens_out)

    def wrap(
        self, name: str, fn: Callable[[RunContext, RunState], dict[str, Any]]
    ) -> Callable[[RunState], dict[str, Any]]:
        """The node as LangGraph calls it: halt check, events, replay cursor, usage."""

        def node(state: RunState) -> dict[str, Any]:
            if self.check_lease is not None:
                self.check_lease()
            halt = self.store.halts.for_repo(state.repo)
            if halt is not None:
                self.event("run.halted", {"node": name, "reason": halt.reason, "by": halt.by})
                raise RunHalted(f"halted by {halt.by}: {halt.reason}")
            stop = self.hooks.should_stop() if self.hooks.should_stop is not None else None
            if stop is not None:
                self.event("run.stopped", {"node": name, "reason": stop})
                raise RunStopped(stop)
            spent = self._wall_spent(name, "before")
            if spent is not None:
                return spent
            if self.replay is not None:
                self.replay.seek(state.model_calls)
            self.event("node.started", {"node": name, "iteration": state.iteration})
            failpoints.hit(f"before:{name}")
            if self.observer is not None:
                self.observer(name, "started", state)
            started = time.perf_counter()
            sandbox_before = self.sandbox.seconds
            update = fn(self, state)
            self._restore_git_entry(name)
            # Work done, checkpoint not yet written: the nastiest place to die.
            failpoints.hit(f"after:{name}")
            budget = self.deps.budget
            update.setdefault("phase", name)
            update["model_calls"] = budget.steps
            update["tokens"] = budget.usage.total_tokens
            update["cost_usd"] = round(budget.cost_usd, 6)
            update["unpriced_calls"] = budget.unpriced_calls
            update["wall_s"] = round(budget.elapsed_s, 3)
            if update.get("ending") is None:
                update.update(self._wall_spent(name, "after") or {})
            elapsed = time.perf_counter() - started
            self.node_seconds[name] = self.node_seconds.get(name, 0.0) + elapsed
            self.event(
                "node.finished",
                {
                    "node": name,
                    "iteration": update.get("iteration", state.iteration),
                    "duration_s": round(elapsed, 4),
                    "sandbox_s": round(self.sandbox.seconds - sandbox_before, 4),
                    "ending": update.get("ending"),
                },
            )
            log.info("node finished", node=name, duration_s=round(elapsed, 3))
            if self.observer is not None:
                self.observer(name, "finished", state.model_copy(update=update))
            return update

        return node

    def _restore_git_entry(self, node: str) -> None:
        """A `.git` a sandboxed command replaced (a hook, a config, a link) is put back and
        recorded: the attempt is on the run's chain, and the planted files are gone."""
        found = restore_git_entry(self.worktree)
        if found is not None:
            self.event("worktree.tampered", {"node": node, "path": ".git", "found": found})

    def _wall_spent(self, node: str, when: str) -> dict[str, Any] | None:
        """The run's ending when its wall budget is used up at this node boundary, else None."""
        budget = self.deps.budget
        if node in WALL_EXEMPT_NODES or not budget.wall_spent():
            return None
        limit = budget.limits.max_wall_s
        error = f"wall budget of {limit:g} s spent {when} node {node}"
        self.event("run.stopped", {"node": node, "reason": "time_limit", "error": error})
        return {
            "ending": "budget_exceeded",
            "error": error,
            "wall_s": round(budget.elapsed_s, 3),
        }
