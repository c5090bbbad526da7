"""Driving a run under its lease: one live driver, and a true run row however it stops.

A process drives a run only while it holds the run's lease (`hold_lease`; a heartbeat renews
it, `governance/liveness.py`). Before driving it checks, under the lease, that there is
something left to drive (`check_resumable`) and takes the ticket's claim back if the run gave
it up (`claim_again`); a lease taken from a dead or silent driver is said in `takeover_notes`.

`drive` then runs the graph with its equipment around it. The lease is checked at every node
boundary and once more before an ending is recorded, so a driver frozen past its lease never
writes over the record of the process that took the run over: a lost lease changes nothing
in the store. Any other error ends the run `failed` with its reason (resumable, its claim
given up), unless the ending was already recorded and only tidying up failed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import structlog
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command

from factory.config import FactoryConfig
from factory.governance.claims import recorded_claim_key
from factory.governance.liveness import DriverLease
from factory.run.checkpoints import open_checkpointer, prune_finished
from factory.run.graph import build_graph
from factory.run.hooks import RunHooks, RunStopped
from factory.run.round_records import ROUND_STARTED, close_round
from factory.run.run_context import NodeObserver, RunInterrupted
from factory.run.setup import RunOptions, equip_run, run_repo
from factory.run.state import RunState
from factory.run.summary import FINISHED_STATUSES, RunSummary, settle_ending, summarise
from factory.store import LeaseHeld, LeaseLost, RunStatus, Store, TicketClaimed
from factory.store.models import Run
from factory.support.errors import FactoryError, error_text

log = structlog.get_logger()


class RunError(FactoryError, RuntimeError):
    """A run could not start or continue; the message says what to do."""

    code = "bad_input"


class ScopeHalted(RunError):
    """The run's repository (or the whole factory) is halted: nothing may start there."""


@contextlib.contextmanager
def hold_lease(config: FactoryConfig, store: Store, run_id: str) -> Iterator[DriverLease]:
    """This process's lease on the run for the `with`; a live driver elsewhere refuses it."""
    try:
        driver = DriverLease(store, run_id, config.factory.lease_ttl_s).__enter__()
    except LeaseHeld as held:
        raise RunError(f"{held}; wait for it to finish, or stop that process first") from held
    try:
        yield driver
    finally:
        driver.__exit__(None, None, None)


def takeover_notes(lease: DriverLease) -> list[str]:
    """What the person should hear when this lease replaced a dead or silent driver's."""
    previous = lease.took_over
    if previous is None:
        return []
    why = "has exited" if previous.owner.is_gone() else "stopped renewing its lease"
    return [f"took the run over from {previous.owner}, which {why}"]


def check_resumable(store: Store, run: Run) -> None:
    """RunError when resuming has nothing to do: the run finished, or waits for a person."""
    status = RunStatus(run.status)
    if status == RunStatus.WAITING_APPROVAL:
        raise RunError(f"{run.id} waits for approval: `factory approve {run.id}` or `reject`")
    if status in FINISHED_STATUSES or (status == RunStatus.FAILED and graph_ended(store, run.id)):
        detail = f" ({run.outcome})" if run.outcome and run.outcome != status.value else ""
        raise RunError(f"{run.id} already finished: {status.value}{detail}; nothing to resume")


def graph_ended(store: Store, run_id: str) -> bool:
    """Whether the graph itself ended the run (as opposed to an error stopping it)."""
    for event in reversed(store.events.read(run_id)):
        if event.kind in ("run.finished", "run.error", "run.resumed", "run.started", ROUND_STARTED):
            return event.kind == "run.finished"
    return False


def claim_again(store: Store, run: Run) -> None:
    """A failed run gave its ticket's claim up; continuing it takes the claim back."""
    key = recorded_claim_key(store, run.id)
    if key is None:
        return
    try:
        store.claims.claim(key, run.id)
    except TicketClaimed as claimed:
        raise RunError(
            f"{claimed}, started after {run.id} stopped; continue that one instead"
        ) from claimed


@dataclass
class _Progress:
    """How far a stretch of driving got, for the error path to tell what to record."""

    stage: str = "setup"
    summary: RunSummary | None = None


def drive(
    config: FactoryConfig,
    store: Store,
    lease: DriverLease,
    options: RunOptions,
    graph_input: RunState | Command | None,
    observer: NodeObserver | None = None,
    hooks: RunHooks | None = None,
) -> RunSummary:
    """Drive the graph under `lease`; every way out leaves the run row true.

    An error in setting up or in a node ends the run `failed` with the reason (resumable,
    its claim given up); a halt leaves it `halted`; a lost lease changes nothing (the new
    driver owns the record now); a failure tidying up after the run ended keeps its ending.
    """
    run_id = lease.run_id
    progress = _Progress()
    structlog.contextvars.bind_contextvars(run_id=run_id)
    try:
        return _drive_graph(
            config, store, lease, options, graph_input, observer, hooks or RunHooks(), progress
        )
    except LeaseLost as lost:
        raise RunError(f"stopped driving {run_id}: {lost}") from lost
    except Exception as exc:
        if progress.summary is not None:  # the run's ending is recorded; only tidying up failed
            log.warning("tidying up after the run failed", error=str(exc))
            return progress.summary
        _record_failure(store, lease, progress.stage, exc)
        raise
    finally:
        structlog.contextvars.unbind_contextvars("run_id")


def _drive_graph(
    config: FactoryConfig,
    store: Store,
    lease: DriverLease,
    options: RunOptions,
    graph_input: RunState | Command | None,
    observer: NodeObserver | None,
    hooks: RunHooks,
    progress: _Progress,
) -> RunSummary:
    run_id = lease.run_id
    thread: dict[str, Any] = {"configurable": {"thread_id": run_id}}
    store.runs.update(run_id, status=RunStatus.RUNNING)
    name, repo = run_repo(config, store.runs.get(run_id))
    with open_checkpointer(config) as checkpointer:
        saved = checkpointer.get_tuple(cast(RunnableConfig, thread))
        values = saved.checkpoint["channel_values"] if saved is not None else {}
        with equip_run(
            config, store, run_id, name, repo, options, values, hooks.pool, hooks.forge
        ) as ctx:
            ctx.observer = observer
            ctx.check_lease = lease.check
            ctx.hooks = hooks
            graph = build_graph(ctx, checkpointer)
            if hooks.prepare_thread is not None:
                hooks.prepare_thread(graph, thread, ctx)
            progress.stage = "graph"
            try:
                graph.invoke(graph_input, cast(RunnableConfig, thread))
            except RunInterrupted as stopped:
                lease.check()
                store.runs.update(run_id, status=stopped.status, outcome=str(stopped))
                progress.summary = summarise(store, run_id, graph, thread, ctx)
            except RunStopped:
                # Still `running`; the lease goes with this process: the next driver resumes.
                progress.summary = summarise(store, run_id, graph, thread, ctx)
            else:
                lease.check()  # a driver frozen past its lease must not record the ending
                progress.summary = settle_ending(store, run_id, graph, thread, ctx)
                close_round(store, run_id, graph, thread)
                if progress.summary.status is not RunStatus.WAITING_APPROVAL:
                    prune_finished(checkpointer, run_id, config.factory.checkpoint_retention)
    return progress.summary


def _record_failure(store: Store, lease: DriverLease, stage: str, exc: Exception) -> None:
    """The run stopped on an error: `failed`, resumable, its claim given up; unless another
    process drives the run now (its record, not ours: RunError, and nothing is written)."""
    run_id = lease.run_id
    if not lease.still_held():
        raise RunError(f"stopped driving {run_id}: another process took it over") from exc
    reason = error_text(exc) or type(exc).__name__
    if stage == "setup":
        reason = f"could not set the run up: {reason}"
    store.events.append(run_id, "run.error", "system", {"stage": stage, "error": repr(exc)[:2000]})
    store.runs.update(run_id, status=RunStatus.FAILED, outcome=reason[:500])
    store.claims.release_run(run_id)
