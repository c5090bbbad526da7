"""Start, resume, approve and reject runs: the graph with its equipment around it.

A run's truth is its checkpoint (LangGraph, thread id = run id) and its audit events; this
module rebuilds the live parts (clone, worktree, sandbox, models, budget) around them each
time, so a killed process loses nothing but the node it was in.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any, cast

import structlog
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command
from pydantic import BaseModel, ConfigDict

from factory.checks.preflight import require_preflight
from factory.config import FactoryConfig
from factory.config.prices import token_budget_note
from factory.forges.base import PullRequestInfo
from factory.governance.autonomy import LEVEL_CHANGED_EVENT
from factory.governance.claims import (
    CLAIM_KEY_FIELD,
    claim_key,
    open_factory_pull_request,
    open_run_of,
    recorded_claim_key,
    run_of_branch,
)
from factory.governance.halts import unhalt_hint
from factory.governance.liveness import DriverLease, driver_of, observed_status
from factory.run.checkpoints import open_checkpointer, prune_finished
from factory.run.graph import build_graph
from factory.run.hooks import RunHooks, RunStopped
from factory.run.reaping import reap_orphan_sandboxes
from factory.run.run_context import NodeObserver, RunContext, RunInterrupted
from factory.run.setup import (
    RunOptions,
    equip_run,
    make_forge,
    new_run_state,
    operator_budget,
    resolve_repo,
    run_repo,
)
from factory.run.state import RunState
from factory.store import (
    OPEN_RUN_STATUSES,
    LeaseHeld,
    LeaseLost,
    RunStatus,
    Store,
    TicketClaimed,
)
from factory.store.models import Run, utcnow
from factory.support import failpoints
from factory.support.errors import FactoryError, error_text
from factory.tickets import resolve_ticket
from factory.tickets.model import Ticket

log = structlog.get_logger()

ENDING_STATUS = {
    "pr_open": RunStatus.PR_OPEN,
    "merged": RunStatus.MERGED,
    "no_change": RunStatus.NO_CHANGE,
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
    RunStatus.NO_CHANGE: 5,
    RunStatus.FAILED: 1,
}
"""`factory run` exit codes: 0 delivered, 3 a human must act, 4 budget spent, 5 no change to
deliver, 1 error."""


FINISHED_STATUSES = frozenset(
    {
        RunStatus.PR_OPEN,
        RunStatus.NO_CHANGE,
        RunStatus.MERGED,
        RunStatus.NEEDS_HUMAN,
        RunStatus.DONE,
        RunStatus.REFUSED,
        RunStatus.REJECTED,
        RunStatus.BUDGET_EXCEEDED,
    }
)
"""Endings of the graph: a resume has nothing left to do (a failed run may still continue)."""


class RunError(FactoryError, RuntimeError):
    """A run could not start or continue; the message says what to do."""

    code = "bad_input"


class RunSummary(BaseModel):
    """What `factory run`/`resume`/`approve` report when the process stops driving the run."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    run_id: str
    status: RunStatus
    state: RunState
    waiting_for: dict[str, Any] | None = None
    node_seconds: dict[str, float] = {}
    sandbox_seconds: float = 0.0
    reaped_sandboxes: int = 0
    """Containers of dead processes removed when this process started."""
    notes: list[str] = []
    """Things the person should know about how this stretch started (a takeover, --force-new)."""

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
    *,
    run_id: str | None = None,
) -> RunSummary:
    """Turn a ticket into a pull request (or as far as the gate allows). `run_id` names the
    new run (a queued job picks it at enqueue time, so a retried job finds its run).

    Everything that can be checked is checked before the run row exists: the ticket, the
    repository, halts, the model, Docker (sandboxes of dead processes are reaped first), and
    whether the ticket already has an open run here or an open factory PR on GitHub.
    `hooks` are what a sweep adds (its ticket as read, a stop check, the warm pool...).
    """
    hooks = hooks or RunHooks()
    ticket = hooks.ticket or resolve_ticket(ticket_ref)
    name, repo = resolve_repo(config, options.repo or ticket.repo)
    require_preflight(config, {name: repo}, replay=options.replay)
    halt = store.is_halted(name)
    if halt is not None:
        raise RunError(
            f"{name} is halted by {halt.by} ({halt.reason}); `{unhalt_hint(halt)}` lifts it"
        )
    state, assessment = new_run_state(config, store, name, repo, ticket, options, run_id)
    reaped = len(reap_orphan_sandboxes(config))
    key = claim_key(name, ticket)
    notes: list[str] = []
    budget_note = _budget_note(config, name, options)
    if budget_note is not None:
        notes.append(budget_note)
        log.warning("the run's budget is tokens", note=budget_note)
    open_pull = open_factory_pull_request(
        make_forge(config, store, name, repo), store, name, ticket
    )
    if options.force_new:
        notes.append(_forced_note(store, name, key, open_pull))
        if open_pull is not None and open_pull.head_branch == state.branch:
            state = state.model_copy(update={"branch": f"{state.branch}-{state.run_id[2:8]}"})
    elif open_pull is not None:
        raise RunError(_open_pull_refusal(store, name, ticket, open_pull))
    try:
        store.create_run(
            ticket.ref,
            name,
            branch=state.branch,
            autonomy_level=state.level,
            status=RunStatus.QUEUED,
            run_id=state.run_id,
            repo_path=None if name in config.repos or repo.path is None else str(repo.path),
            ticket_key=None if options.force_new else key,
            ticket_runs_seen=hooks.ticket_runs_seen,
        )
    except TicketClaimed as claimed:
        raise RunError(
            f"{claimed}; `factory resume {claimed.run_id}` continues it, "
            "or pass --force-new to start a second run on purpose"
        ) from claimed
    if options.force_new:
        with contextlib.suppress(TicketClaimed):  # hold the claim if the other run ended
            store.claim_ticket(key, state.run_id)
        store.update_run(state.run_id, ticket_id=key)  # still one of the ticket's runs
    with _lease(config, store, state.run_id) as lease:
        store.update_run(
            state.run_id, status=RunStatus.RUNNING, started_at=utcnow(), sweep_id=hooks.sweep_id
        )
        if hooks.on_run_created is not None:
            hooks.on_run_created(state.run_id)
        store.append_event(
            state.run_id,
            "run.started",
            "system",
            {
                "ticket": ticket.ref,
                "repo": name,
                "repo_path": str(repo.path) if repo.path is not None else None,
                CLAIM_KEY_FIELD: key,
                "options": options.model_dump(mode="json"),
                "budget_note": budget_note,
                "driver": str(lease.owner),
                # Enough to start over should the process die before the first checkpoint.
                "state": state.model_dump(mode="json"),
            },
        )
        if options.force_new:
            forced = next(note for note in notes if note.startswith("--force-new"))
            store.append_event(state.run_id, "run.forced_new", "system", {"note": forced})
        if assessment is not None:
            store.append_event(
                state.run_id, "autonomy.assessed", "system", assessment.model_dump(mode="json")
            )
            changed = assessment.level_change_event()
            if changed is not None:
                store.append_event(state.run_id, LEVEL_CHANGED_EVENT, "system", changed)
        failpoints.hit("run:started")  # every check a run makes before it starts is behind
        return _drive(
            config, store, state.run_id, options, state, observer, lease, reaped, notes, hooks
        )


def resume_run(
    config: FactoryConfig,
    store: Store,
    run_id: str,
    options: RunOptions | None = None,
    observer: NodeObserver | None = None,
    hooks: RunHooks | None = None,
) -> RunSummary:
    """Continue a stopped, killed or halted run from its last checkpoint.

    Refused, with nothing appended, while another live process drives the run, when the run
    already finished, or when it waits for a person.
    """
    run = store.get_run(run_id)
    _check_resumable(store, run)
    options = options or _recorded_options(store, run_id)
    require_preflight(config, dict([run_repo(config, run)]), replay=options.replay)
    reaped = len(reap_orphan_sandboxes(config))
    with _lease(config, store, run_id) as lease:
        run = store.get_run(run_id)
        _check_resumable(store, run)  # again: the previous driver may have finished meanwhile
        halt = store.is_halted(run.repo)
        if halt is not None:
            raise RunError(f"{run.repo} is halted ({halt.reason}); `{unhalt_hint(halt)}` first")
        _claim_again(store, run)
        notes = _takeover_notes(lease)
        hooks = hooks or RunHooks()
        store.append_event(
            run_id,
            "run.resumed",
            "system",
            {"driver": str(lease.owner), "notes": notes, "sweep": hooks.sweep_id},
        )
        if hooks.sweep_id is not None:
            store.update_run(run_id, sweep_id=hooks.sweep_id)
        first_state = _first_state_if_unsaved(config, store, run_id)
        return _drive(
            config, store, run_id, options, first_state, observer, lease, reaped, notes, hooks
        )


def answer_approval(
    config: FactoryConfig,
    store: Store,
    run_id: str,
    answer: dict[str, Any],
    observer: NodeObserver | None = None,
) -> RunSummary:
    """Resume a run waiting in `await_approval` with a person's approve or reject."""
    store.get_run(run_id)
    reaped = len(reap_orphan_sandboxes(config))
    with _lease(config, store, run_id) as lease:
        run = store.get_run(run_id)
        if run.status != RunStatus.WAITING_APPROVAL.value:
            raise RunError(f"{run_id} is {run.status}, not waiting for approval")
        store.record_approval(
            run_id, answer["action"], answer["by"], answer.get("comment") or answer.get("reason")
        )
        options = _recorded_options(store, run_id)
        notes = _takeover_notes(lease)
        return _drive(
            config, store, run_id, options, Command(resume=answer), observer, lease, reaped, notes
        )


@contextlib.contextmanager
def _lease(config: FactoryConfig, store: Store, run_id: str) -> Iterator[DriverLease]:
    """This process's lease on the run for the `with`; a live driver elsewhere refuses it."""
    try:
        driver = DriverLease(store, run_id, config.factory.lease_ttl_s).__enter__()
    except LeaseHeld as held:
        raise RunError(f"{held}; wait for it to finish, or stop that process first") from held
    try:
        yield driver
    finally:
        driver.__exit__(None, None, None)


def _check_resumable(store: Store, run: Run) -> None:
    status = RunStatus(run.status)
    if status == RunStatus.WAITING_APPROVAL:
        raise RunError(f"{run.id} waits for approval: `factory approve {run.id}` or `reject`")
    if status in FINISHED_STATUSES or (status == RunStatus.FAILED and _ended(store, run.id)):
        detail = f" ({run.outcome})" if run.outcome and run.outcome != status.value else ""
        raise RunError(f"{run.id} already finished: {status.value}{detail}; nothing to resume")


def _ended(store: Store, run_id: str) -> bool:
    """Whether the graph itself ended the run (as opposed to an error stopping it)."""
    for event in reversed(store.events(run_id)):
        if event.kind in ("run.finished", "run.error", "run.resumed", "run.started"):
            return event.kind == "run.finished"
    return False


def _claim_again(store: Store, run: Run) -> None:
    """A failed run gave its ticket's claim up; continuing it takes the claim back."""
    key = recorded_claim_key(store, run.id)
    if key is None:
        return
    try:
        store.claim_ticket(key, run.id)
    except TicketClaimed as claimed:
        raise RunError(
            f"{claimed}, started after {run.id} stopped; continue that one instead"
        ) from claimed


def _takeover_notes(lease: DriverLease) -> list[str]:
    previous = lease.took_over
    if previous is None:
        return []
    why = "has exited" if previous.owner.is_gone() else "stopped renewing its lease"
    return [f"took the run over from {previous.owner}, which {why}"]


def _budget_note(config: FactoryConfig, name: str, options: RunOptions) -> str | None:
    """What the run's budget is when a model has no price (its token limit), else None."""
    if options.replay is not None:
        return None  # a cassette's turns are played back, not bought
    return token_budget_note(config, operator_budget(config, name, options), options.model)


def _open_pull_refusal(store: Store, repo: str, ticket: Ticket, pull: PullRequestInfo) -> str:
    """Why a second plain run is refused: the open pull request, its run, what to do."""
    holder = run_of_branch(store, repo, pull.head_branch)
    where = pull.url if pull.forge == "github" and pull.url else f"`factory pr show {pull.number}`"
    return (
        f"ticket {ticket.ref} already has an open pull request from the factory, "
        f"#{pull.number} (branch {pull.head_branch}"
        + (f", run {holder}" if holder else "")
        + f"; {where}): review, merge or close it, "
        "or pass --force-new to start a second run on purpose"
    )


def _forced_note(store: Store, repo: str, key: str, open_pull: PullRequestInfo | None) -> str:
    others = []
    open_run = open_run_of(store, key)
    if open_run is not None:
        others.append(f"run {open_run} is still open")
    if open_pull is not None:
        others.append(f"pull request #{open_pull.number} is still open")
    if not others:
        return "--force-new: the ticket had no other open run; this is its only one"
    return (
        "--force-new: started a second run of this ticket on purpose; "
        + " and ".join(others)
        + ", and nothing was closed"
    )


def _first_state_if_unsaved(config: FactoryConfig, store: Store, run_id: str) -> RunState | None:
    """None when a checkpoint exists (resume from it); the recorded first state otherwise."""
    with open_checkpointer(config) as checkpointer:
        if checkpointer.get_tuple({"configurable": {"thread_id": run_id}}) is not None:
            return None
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
    lease: DriverLease,
    reaped: int,
    notes: list[str],
    hooks: RunHooks | None = None,
) -> RunSummary:
    """Drive the graph under the lease; every way out leaves the run row true.

    An error in setting up or in a node ends the run `failed` with the reason (resumable,
    its claim given up); a halt leaves it `halted`; a lost lease changes nothing (the new
    driver owns the record now); a failure tidying up after the run ended keeps its ending.
    """
    thread = {"configurable": {"thread_id": run_id}}
    structlog.contextvars.bind_contextvars(run_id=run_id)
    summary: RunSummary | None = None
    stage = "setup"
    try:
        store.update_run(run_id, status=RunStatus.RUNNING)
        name, repo = run_repo(config, store.get_run(run_id))
        hooks = hooks or RunHooks()
        with open_checkpointer(config) as checkpointer:
            saved = checkpointer.get_tuple(cast(RunnableConfig, thread))
            values = saved.checkpoint["channel_values"] if saved is not None else {}
            with equip_run(config, store, run_id, name, repo, options, values, hooks.pool) as ctx:
                ctx.observer = observer
                ctx.check_lease = lease.check
                ctx.hooks = hooks
                graph = build_graph(ctx, checkpointer)
                stage = "graph"
                try:
                    graph.invoke(graph_input, cast(RunnableConfig, thread))
                except RunInterrupted as stopped:
                    lease.check()
                    store.update_run(run_id, status=stopped.status, outcome=str(stopped))
                    summary = _summary(store, run_id, graph, thread, ctx)
                except RunStopped:
                    # Still `running`; the lease goes with this process: the next driver resumes.
                    summary = _summary(store, run_id, graph, thread, ctx)
                else:
                    lease.check()  # a driver frozen past its lease must not record the ending
                    summary = _finish(store, run_id, graph, thread, ctx)
                    if summary.status is not RunStatus.WAITING_APPROVAL:
                        prune_finished(checkpointer, run_id, config.factory.checkpoint_retention)
        return summary.model_copy(update={"reaped_sandboxes": reaped, "notes": notes})
    except LeaseLost as lost:
        raise RunError(f"stopped driving {run_id}: {lost}") from lost
    except Exception as exc:
        if summary is not None:  # the run's ending is recorded; only tidying up failed
            log.warning("tidying up after the run failed", error=str(exc))
            return summary.model_copy(update={"reaped_sandboxes": reaped, "notes": notes})
        if not lease.still_held():  # another process drives the run now: its record, not ours
            raise RunError(f"stopped driving {run_id}: another process took it over") from exc
        reason = error_text(exc) or type(exc).__name__
        if stage == "setup":
            reason = f"could not set the run up: {reason}"
        store.append_event(
            run_id, "run.error", "system", {"stage": stage, "error": repr(exc)[:2000]}
        )
        store.update_run(run_id, status=RunStatus.FAILED, outcome=reason[:500])
        store.release_run_claims(run_id)
        raise
    finally:
        structlog.contextvars.unbind_contextvars("run_id")


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
    if status not in OPEN_RUN_STATUSES:
        store.release_run_claims(run_id)
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
    status = observed_status(run)
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
        halt = store.is_halted(run.repo)
        lift = f"`{unhalt_hint(halt)}`" if halt is not None else "lifted"
        return f"the halt to be lifted ({lift}), then `factory resume {run.id}`"
    if status == RunStatus.FAILED and not _ended(store, run.id):
        cause = run.outcome or "see its events"
        return f"the cause to be fixed ({cause}), then `factory resume {run.id}`"
    if status == RunStatus.NEEDS_HUMAN:
        return f"a person to take over branch {run.branch}"
    if status == RunStatus.RUNNING:
        return f"its driver to finish (it is {driver_of(run) or 'starting'})"
    if status == RunStatus.INTERRUPTED:
        return f"`factory resume {run.id}`: the process that drove it is gone"
    return None
