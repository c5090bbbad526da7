"""Start, resume, approve and reject runs, and say what a run waits for.

A run's truth is its checkpoint (LangGraph, thread id = run id) and its audit events; each
entry point here checks what can be checked before anything is written, takes the run's lease
and hands the graph to `driving.drive`, which rebuilds the live parts (clone, worktree,
sandbox, models, budget) around the checkpoint, so a killed process loses nothing but the node
it was in. `RunSummary` (`summary.py`) is what each of them reports.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, replace
from typing import Any

import structlog
from langgraph.types import Command

from factory.checks.preflight import require_preflight
from factory.config import FactoryConfig, RepoConfig
from factory.config.fingerprint import configuration_hash
from factory.config.prices import token_budget_note
from factory.governance.autonomy import LEVEL_CHANGED_EVENT
from factory.governance.claims import (
    CLAIM_KEY_FIELD,
    claim_key,
    forced_new_note,
    open_factory_pull_request,
    open_pull_refusal,
)
from factory.governance.halts import unhalt_hint
from factory.governance.limits import check_before_start
from factory.governance.liveness import DriverLease, driver_of, observed_status
from factory.run.checkpoints import open_checkpointer
from factory.run.driving import (
    RunError,
    ScopeHalted,
    check_resumable,
    claim_again,
    drive,
    graph_ended,
    hold_lease,
    takeover_notes,
)
from factory.run.hooks import RunHooks
from factory.run.reaping import reap_orphan_sandboxes
from factory.run.run_context import NodeObserver
from factory.run.setup import (
    RunOptions,
    make_forge,
    new_run_state,
    operator_budget,
    resolve_repo,
    run_repo,
)
from factory.run.state import RunState
from factory.run.summary import EXIT_CODES, RunSummary
from factory.store import RunStatus, Store, TicketClaimed
from factory.store.models import Run
from factory.support import failpoints
from factory.support.utc import utcnow
from factory.tickets import resolve_ticket
from factory.tickets.model import Ticket
from policies.autonomy import Assessment

log = structlog.get_logger()

__all__ = [
    "EXIT_CODES",
    "RunError",
    "RunSummary",
    "ScopeHalted",
    "answer_approval",
    "resume_run",
    "start_run",
    "waiting_for",
]


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
    whether the ticket already has an open run here or an open factory PR on its forge.
    `hooks` are what a sweep adds (its ticket as read, a stop check, the warm pool...).
    """
    hooks = hooks or RunHooks()
    ticket = hooks.ticket or resolve_ticket(ticket_ref)
    name, repo = resolve_repo(config, options.repo or ticket.repo)
    require_preflight(config, {name: repo}, replay=options.replay)
    check_before_start(config, store, name, replay=options.replay is not None)
    halt = store.halts.for_repo(name)
    if halt is not None:
        raise ScopeHalted(
            f"{name} is halted by {halt.by} ({halt.reason}); `{unhalt_hint(halt)}` lifts it"
        )
    state, assessment = new_run_state(config, store, name, repo, ticket, options, run_id)
    reaped = len(reap_orphan_sandboxes(config))
    start = _Start(name, repo, ticket, options, claim_key(name, ticket), state)
    budget_note = _budget_note(config, name, options)
    start, notes = _check_open_pull(config, store, start)
    if budget_note is not None:
        notes.append(budget_note)
        log.warning("the run's budget is tokens", note=budget_note)
    _create_claimed_run(config, store, start, hooks)
    new_id = start.state.run_id
    with hold_lease(config, store, new_id) as lease:
        store.runs.update(
            new_id, status=RunStatus.RUNNING, started_at=utcnow(), sweep_id=hooks.sweep_id
        )
        if hooks.on_run_created is not None:
            hooks.on_run_created(new_id)
        _record_start(store, start, lease, notes, assessment, budget_note)
        failpoints.hit("run:started")  # every check a run makes before it starts is behind
        summary = drive(config, store, lease, options, start.state, observer, hooks)
        return _reported(summary, reaped, notes)


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
    run = store.runs.get(run_id)
    check_resumable(store, run)
    options = options or recorded_options(store, run_id)
    require_preflight(config, dict([run_repo(config, run)]), replay=options.replay)
    check_before_start(config, store, run.repo, replay=options.replay is not None)
    reaped = len(reap_orphan_sandboxes(config))
    with hold_lease(config, store, run_id) as lease:
        run = store.runs.get(run_id)
        check_resumable(store, run)  # again: the previous driver may have finished meanwhile
        halt = store.halts.for_repo(run.repo)
        if halt is not None:
            raise ScopeHalted(f"{run.repo} is halted ({halt.reason}); `{unhalt_hint(halt)}` first")
        claim_again(store, run)
        notes = takeover_notes(lease)
        hooks = hooks or RunHooks()
        store.events.append(
            run_id,
            "run.resumed",
            "system",
            {"driver": str(lease.owner), "notes": notes, "sweep": hooks.sweep_id},
        )
        if hooks.sweep_id is not None:
            store.runs.update(run_id, sweep_id=hooks.sweep_id)
        first_state = _first_state_if_unsaved(config, store, run_id)
        summary = drive(config, store, lease, options, first_state, observer, hooks)
        return _reported(summary, reaped, notes)


def answer_approval(
    config: FactoryConfig,
    store: Store,
    run_id: str,
    answer: dict[str, Any],
    observer: NodeObserver | None = None,
) -> RunSummary:
    """Resume a run waiting in `await_approval` with a person's approve or reject."""
    store.runs.get(run_id)
    reaped = len(reap_orphan_sandboxes(config))
    with hold_lease(config, store, run_id) as lease:
        run = store.runs.get(run_id)
        if run.status != RunStatus.WAITING_APPROVAL.value:
            raise RunError(f"{run_id} is {run.status}, not waiting for approval")
        store.approvals.record(
            run_id, answer["action"], answer["by"], answer.get("comment") or answer.get("reason")
        )
        options = recorded_options(store, run_id)
        notes = takeover_notes(lease)
        summary = drive(config, store, lease, options, Command(resume=answer), observer)
        return _reported(summary, reaped, notes)


def _reported(summary: RunSummary, reaped: int, notes: list[str]) -> RunSummary:
    """The summary with what this process did before driving, for the person to read."""
    return summary.model_copy(update={"reaped_sandboxes": reaped, "notes": notes})


@dataclass(frozen=True)
class _Start:
    """A new run as `start_run` settled it before its row exists."""

    name: str
    repo: RepoConfig
    ticket: Ticket
    options: RunOptions
    key: str
    """The ticket's claim key."""
    state: RunState


def _check_open_pull(
    config: FactoryConfig, store: Store, start: _Start
) -> tuple[_Start, list[str]]:
    """Refuse a ticket whose factory PR is open on its forge (local or GitHub), unless
    `--force-new`: then the new run says so in a note, and takes a branch of its own if the
    open PR holds the usual one."""
    name, repo, state = start.name, start.repo, start.state
    forge = make_forge(config, store, name, repo)
    open_pull = open_factory_pull_request(forge, store, name, start.ticket)
    if not start.options.force_new:
        if open_pull is not None:
            raise RunError(open_pull_refusal(store, name, start.ticket, open_pull))
        return start, []
    note = forced_new_note(store, start.key, open_pull)
    if open_pull is not None and open_pull.head_branch == state.branch:
        branch = f"{state.branch}-{state.run_id[2:8]}"
        start = replace(start, state=state.model_copy(update={"branch": branch}))
    return start, [note]


def _create_claimed_run(
    config: FactoryConfig, store: Store, start: _Start, hooks: RunHooks
) -> None:
    """The run row, `queued`, with the ticket's claim taken in the same transaction (refused
    while another open run holds it, or when a run not in the hooks' `ticket_runs_seen`
    appeared), its eval (if an eval drives it) and its configuration hash. A `--force-new`
    run takes the claim only if it is free."""
    repo, state, force_new = start.repo, start.state, start.options.force_new
    try:
        store.runs.create(
            start.ticket.ref,
            start.name,
            branch=state.branch,
            autonomy_level=state.level,
            status=RunStatus.QUEUED,
            run_id=state.run_id,
            repo_path=None if start.name in config.repos or repo.path is None else str(repo.path),
            ticket_key=None if force_new else start.key,
            ticket_runs_seen=hooks.ticket_runs_seen,
            eval_id=hooks.eval_id,
            config_hash=configuration_hash(config, repo, model_override=start.options.model),
        )
    except TicketClaimed as claimed:
        raise RunError(
            f"{claimed}; `factory resume {claimed.run_id}` continues it, "
            "or pass --force-new to start a second run on purpose"
        ) from claimed
    if force_new:
        with contextlib.suppress(TicketClaimed):  # hold the claim if the other run ended
            store.claims.claim(start.key, state.run_id)
        store.runs.update(state.run_id, ticket_id=start.key)  # still one of the ticket's runs


def _record_start(
    store: Store,
    start: _Start,
    lease: DriverLease,
    notes: list[str],
    assessment: Assessment | None,
    budget_note: str | None,
) -> None:
    """`run.started` (with all a restart needs), then `--force-new`'s note and the autonomy
    assessment, on the run's chain before its first node."""
    run_id, repo = start.state.run_id, start.repo
    store.events.append(
        run_id,
        "run.started",
        "system",
        {
            "ticket": start.ticket.ref,
            "repo": start.name,
            "repo_path": str(repo.path) if repo.path is not None else None,
            CLAIM_KEY_FIELD: start.key,
            "options": start.options.model_dump(mode="json"),
            "budget_note": budget_note,
            "driver": str(lease.owner),
            # Enough to start over should the process die before the first checkpoint.
            "state": start.state.model_dump(mode="json"),
        },
    )
    if start.options.force_new:
        forced = next(note for note in notes if note.startswith("--force-new"))
        store.events.append(run_id, "run.forced_new", "system", {"note": forced})
    if assessment is not None:
        store.events.append(
            run_id, "autonomy.assessed", "system", assessment.model_dump(mode="json")
        )
        changed = assessment.level_change_event()
        if changed is not None:
            store.events.append(run_id, LEVEL_CHANGED_EVENT, "system", changed)


def _budget_note(config: FactoryConfig, name: str, options: RunOptions) -> str | None:
    """What the run's budget is when a model has no price (its token limit), else None."""
    if options.replay is not None:
        return None  # a cassette's turns are played back, not bought
    return token_budget_note(config, operator_budget(config, name, options), options.model)


def _first_state_if_unsaved(config: FactoryConfig, store: Store, run_id: str) -> RunState | None:
    """None when a checkpoint exists (resume from it); the recorded first state otherwise."""
    with open_checkpointer(config) as checkpointer:
        if checkpointer.get_tuple({"configurable": {"thread_id": run_id}}) is not None:
            return None
    for event in store.events.read(run_id):
        if event.kind == "run.started":
            return RunState.model_validate(json.loads(event.payload)["state"])
    raise RunError(f"{run_id} has no checkpoint and no recorded start; it cannot be resumed")


def recorded_options(store: Store, run_id: str) -> RunOptions:
    for event in store.events.read(run_id):
        if event.kind == "run.started":
            return RunOptions.model_validate(json.loads(event.payload).get("options", {}))
    return RunOptions()


def waiting_for(store: Store, run: Run) -> str | None:
    """The action that moves the run on, or None when it needs nothing (or is finished)."""
    status = observed_status(run)
    if status == RunStatus.WAITING_APPROVAL:
        pr = None
        for event in reversed(store.events.read(run.id)):
            if event.kind == "run.waiting":
                pr = json.loads(event.payload).get("pr")
                break
        subject = f"pull request #{pr}" if pr is not None else "its pull request"
        return (
            f"a person to approve or reject {subject}: "
            f"`factory approve {run.id}` or `factory reject {run.id} --reason ...`"
        )
    if status == RunStatus.HALTED:
        halt = store.halts.for_repo(run.repo)
        lift = f"`{unhalt_hint(halt)}`" if halt is not None else "lifted"
        return f"the halt to be lifted ({lift}), then `factory resume {run.id}`"
    if status == RunStatus.FAILED and not graph_ended(store, run.id):
        cause = run.outcome or "see its events"
        return f"the cause to be fixed ({cause}), then `factory resume {run.id}`"
    if status == RunStatus.NEEDS_HUMAN:
        return f"a person to take over branch {run.branch}"
    if status == RunStatus.RUNNING:
        return f"its driver to finish (it is {driver_of(run) or 'starting'})"
    if status == RunStatus.INTERRUPTED:
        return f"`factory resume {run.id}`: the process that drove it is gone"
    return None
