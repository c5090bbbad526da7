"""Start, resume, approve and reject runs: the graph with its equipment around it.

A run's truth is its checkpoint (LangGraph, thread id = run id) and its audit events; this
module rebuilds the live parts (clone, worktree, sandbox, models, budget) around them each
time, so a killed process loses nothing but the node it was in.
"""

from __future__ import annotations

import json
from typing import Any, cast

import structlog
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command
from pydantic import BaseModel, ConfigDict

from factory.config import FactoryConfig
from factory.governance.autonomy import LEVEL_CHANGED_EVENT
from factory.run.context import NodeObserver, RunContext, RunHalted
from factory.run.graph import build_graph, open_checkpointer
from factory.run.hooks import RunHooks, RunStopped
from factory.run.setup import RunOptions, equip_run, new_run_state, resolve_repo
from factory.run.state import RunState
from factory.store import RunStatus, Store
from factory.store.models import Run, utcnow
from factory.tickets import resolve_ticket, ticket_identity

log = structlog.get_logger()

ENDING_STATUS = {
    "pr_open": RunStatus.PR_OPEN,
    "merged": RunStatus.MERGED,
    "needs_human": RunStatus.NEEDS_HUMAN,
    "plan_only": RunStatus.DONE,
    "refused": RunStatus.REFUSED,
    "rejected": RunStatus.REJECTED,
    "budget_exceeded": RunStatus.BUDGET_EXCEEDED,
    "failed": RunStatus.FAILED,
}

EXIT_CODES = {
    RunStatus.PR_OPEN: 0,
    RunStatus.MERGED: 0,
    RunStatus.DONE: 0,
    RunStatus.WAITING_APPROVAL: 3,
    RunStatus.NEEDS_HUMAN: 3,
    RunStatus.REFUSED: 3,
    RunStatus.HALTED: 3,
    RunStatus.REJECTED: 3,
    RunStatus.BUDGET_EXCEEDED: 4,
    RunStatus.FAILED: 1,
}
"""`factory run` exit codes: 0 delivered, 3 a human must act, 4 budget spent, 1 error."""


class RunError(RuntimeError):
    """A run could not start or continue; the message says what to do."""


class RunSummary(BaseModel):
    """What `factory run`/`resume`/`approve` report when the process stops driving the run."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    run_id: str
    status: RunStatus
    state: RunState
    waiting_for: dict[str, Any] | None = None
    node_seconds: dict[str, float] = {}
    sandbox_seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.status, 1)


def start_run(
    config: FactoryConfig,
    store: Store,
    ticket_ref: str,
    options: RunOptions,
    observer: NodeObserver | None = None,
    hooks: RunHooks | None = None,
) -> RunSummary:
    """Turn a ticket into a pull request (or as far as the gate allows)."""
    hooks = hooks or RunHooks()
    ticket = hooks.ticket or resolve_ticket(ticket_ref)
    name, repo = resolve_repo(config, options.repo or ticket.repo)
    halt = store.is_halted(name)
    if halt is not None:
        raise RunError(f"{name} is halted by {halt.by} ({halt.reason}); `factory unhalt` lifts it")
    state, assessment = new_run_state(config, store, name, repo, ticket, options)
    store.create_run(
        ticket.ref,
        name,
        branch=state.branch,
        autonomy_level=state.level,
        status=RunStatus.RUNNING,
        run_id=state.run_id,
        ticket_key=hooks.ticket_id or ticket_identity(name, ticket),
    )
    store.update_run(state.run_id, started_at=utcnow(), sweep_id=hooks.sweep_id)
    if hooks.on_run_created is not None:
        hooks.on_run_created(state.run_id)
    store.append_event(
        state.run_id,
        "run.started",
        "system",
        {
            "ticket": ticket.ref,
            "repo": name,
            "options": options.model_dump(mode="json"),
            # Enough to start over should the process die before the first checkpoint.
            "state": state.model_dump(mode="json"),
        },
    )
    if assessment is not None:
        store.append_event(
            state.run_id, "autonomy.assessed", "system", assessment.model_dump(mode="json")
        )
        changed = assessment.level_change_event()
        if changed is not None:
            store.append_event(state.run_id, LEVEL_CHANGED_EVENT, "system", changed)
    return _drive(config, store, state.run_id, options, state, observer, hooks)


def resume_run(
    config: FactoryConfig,
    store: Store,
    run_id: str,
    options: RunOptions | None = None,
    observer: NodeObserver | None = None,
    hooks: RunHooks | None = None,
) -> RunSummary:
    """Continue a stopped, killed or halted run from its last checkpoint."""
    run = store.get_run(run_id)
    if run.status == RunStatus.WAITING_APPROVAL.value:
        raise RunError(f"{run_id} waits for approval: `factory approve {run_id}` or `reject`")
    halt = store.is_halted(run.repo)
    if halt is not None:
        raise RunError(f"{run.repo} is halted ({halt.reason}); `factory unhalt` first")
    hooks = hooks or RunHooks()
    store.append_event(run_id, "run.resumed", "system", {"sweep": hooks.sweep_id})
    if hooks.sweep_id is not None:
        store.update_run(run_id, sweep_id=hooks.sweep_id)
    options = options or _recorded_options(store, run_id)
    first_state = _first_state_if_unsaved(config, store, run_id)
    return _drive(config, store, run_id, options, first_state, observer, hooks)


def answer_approval(
    config: FactoryConfig,
    store: Store,
    run_id: str,
    answer: dict[str, Any],
    observer: NodeObserver | None = None,
) -> RunSummary:
    """Resume a run waiting in `await_approval` with a person's approve or reject."""
    run = store.get_run(run_id)
    if run.status != RunStatus.WAITING_APPROVAL.value:
        raise RunError(f"{run_id} is {run.status}, not waiting for approval")
    store.record_approval(
        run_id, answer["action"], answer["by"], answer.get("comment") or answer.get("reason")
    )
    options = _recorded_options(store, run_id)
    return _drive(config, store, run_id, options, Command(resume=answer), observer)


def _first_state_if_unsaved(config: FactoryConfig, store: Store, run_id: str) -> RunState | None:
    """None when a checkpoint exists (resume from it); the recorded first state otherwise."""
    checkpointer = open_checkpointer(config.factory.data_dir / "checkpoints.sqlite")
    try:
        if checkpointer.get_tuple({"configurable": {"thread_id": run_id}}) is not None:
            return None
    finally:
        checkpointer.conn.close()
    for event in store.events(run_id):
        if event.kind == "run.started":
            return RunState.model_validate(json.loads(event.payload)["state"])
    raise RunError(f"{run_id} has no checkpoint and no recorded start; it cannot be resumed")


def _recorded_options(store: Store, run_id: str) -> RunOptions:
    for event in store.events(run_id):
        if event.kind == "run.started":
            return RunOptions.model_validate(json.loads(event.payload).get("options", {}))
    return RunOptions()


def _drive(
    config: FactoryConfig,
    store: Store,
    run_id: str,
    options: RunOptions,
    graph_input: RunState | Command | None,
    observer: NodeObserver | None,
    hooks: RunHooks | None = None,
) -> RunSummary:
    checkpointer = open_checkpointer(config.factory.data_dir / "checkpoints.sqlite")
    thread = {"configurable": {"thread_id": run_id}}
    run = store.get_run(run_id)
    name, repo = resolve_repo(config, run.repo)
    structlog.contextvars.bind_contextvars(run_id=run_id)
    try:
        saved = checkpointer.get_tuple(cast(RunnableConfig, thread))
        values = saved.checkpoint["channel_values"] if saved is not None else {}
        hooks = hooks or RunHooks()
        with equip_run(config, store, run_id, name, repo, options, values, hooks.pool) as ctx:
            ctx.observer = observer
            ctx.hooks = hooks
            graph = build_graph(ctx, checkpointer)
            store.update_run(run_id, status=RunStatus.RUNNING)
            try:
                graph.invoke(graph_input, cast(RunnableConfig, thread))
            except RunHalted as halted:
                store.update_run(run_id, status=RunStatus.HALTED, outcome=str(halted))
                return _summary(store, run_id, graph, thread, ctx)
            except RunStopped:
                # Still `running`, with nobody driving it: the next driver resumes it.
                return _summary(store, run_id, graph, thread, ctx)
            except Exception as exc:
                store.append_event(run_id, "run.error", "system", {"error": repr(exc)[:2000]})
                store.update_run(run_id, status=RunStatus.FAILED, outcome=str(exc)[:500])
                raise
            return _finish(store, run_id, graph, thread, ctx)
    finally:
        structlog.contextvars.unbind_contextvars("run_id")
        checkpointer.conn.close()


def _finish(
    store: Store, run_id: str, graph: Any, thread: dict[str, Any], ctx: RunContext
) -> RunSummary:
    snapshot = graph.get_state(thread)
    state = RunState.model_validate(snapshot.values)
    waiting = [i.value for task in snapshot.tasks for i in task.interrupts]
    if waiting:
        status = RunStatus.WAITING_APPROVAL
    elif state.ending is not None:
        status = ENDING_STATUS[state.ending]
    else:
        status = RunStatus.FAILED
    store.update_run(
        run_id,
        status=status,
        outcome=state.error or (f"PR #{state.pr_number}" if state.pr_number else state.ending),
        finished_at=None if waiting else utcnow(),
    )
    store.append_event(
        run_id,
        "run.paused" if waiting else "run.finished",
        "system",
        {
            "status": status.value,
            "ending": state.ending,
            "pr": state.pr_number,
        },
    )
    return _summary(store, run_id, graph, thread, ctx, status=status)


def _summary(
    store: Store,
    run_id: str,
    graph: Any,
    thread: dict[str, Any],
    ctx: RunContext,
    status: RunStatus | None = None,
) -> RunSummary:
    snapshot = graph.get_state(thread)
    waiting = [i.value for task in snapshot.tasks for i in task.interrupts]
    return RunSummary(
        run_id=run_id,
        status=status or RunStatus(store.get_run(run_id).status),
        state=RunState.model_validate(snapshot.values),
        waiting_for=waiting[0] if waiting else None,
        node_seconds=dict(ctx.node_seconds),
        sandbox_seconds=ctx.sandbox.seconds,
    )


def waiting_for(store: Store, run: Run) -> str | None:
    """The action that moves the run on, or None when it needs nothing (or is finished)."""
    status = RunStatus(run.status)
    if status == RunStatus.WAITING_APPROVAL:
        pr = None
        for event in reversed(store.events(run.id)):
            if event.kind == "run.waiting":
                pr = json.loads(event.payload).get("pr")
                break
        subject = f"pull request #{pr}" if pr is not None else "its pull request"
        return (
            f"a person to approve or reject {subject}: "
            f"`factory approve {run.id}` or `factory reject {run.id} --reason ...`"
        )
    if status == RunStatus.HALTED:
        return f"the halt to be lifted (`factory unhalt`), then `factory resume {run.id}`"
    if status == RunStatus.FAILED:
        cause = run.outcome or "see its events"
        return f"the cause to be fixed ({cause}), then `factory resume {run.id}`"
    if status == RunStatus.NEEDS_HUMAN:
        return f"a person to take over branch {run.branch}"
    if status == RunStatus.RUNNING:
        return f"its process; if that died, `factory resume {run.id}` continues it"
    return None
