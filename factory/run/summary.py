"""What a stretch of driving reports, and the run row it leaves behind.

When a process stops driving a run (the graph ended, paused for a person, or was stopped),
`settle_ending` writes the ending the graph reached to the run row and its chain, and
`summarise` reads the checkpoint back into the `RunSummary` that `factory run`, `resume` and
`approve` print and the sweep records. The exit codes of those commands follow the status.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from factory.run.run_context import RunContext
from factory.run.state import RunState
from factory.store import OPEN_RUN_STATUSES, RunStatus, Store
from factory.support.utc import utcnow

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
    RunStatus.CLOSED: 3,
    RunStatus.TICKET_CLOSED: 3,
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
        RunStatus.CLOSED,
        RunStatus.TICKET_CLOSED,
        RunStatus.BUDGET_EXCEEDED,
    }
)
"""Endings of the graph: a resume has nothing left to do (a failed run may still continue)."""


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


def settle_ending(
    store: Store, run_id: str, graph: Any, thread: dict[str, Any], ctx: RunContext
) -> RunSummary:
    """The graph returned: record where it stopped (an ending, or a pause for a person)."""
    snapshot = graph.get_state(thread)
    state = RunState.model_validate(snapshot.values)
    waiting = [i.value for task in snapshot.tasks for i in task.interrupts]
    if waiting:
        status = RunStatus.WAITING_APPROVAL
    elif state.ending is not None:
        status = ENDING_STATUS[state.ending]
    else:
        status = RunStatus.FAILED
    store.runs.update(
        run_id,
        status=status,
        outcome=state.error or (f"PR #{state.pr_number}" if state.pr_number else state.ending),
        finished_at=None if waiting else utcnow(),
    )
    if status not in OPEN_RUN_STATUSES:
        store.claims.release_run(run_id)
    store.events.append(
        run_id,
        "run.paused" if waiting else "run.finished",
        "system",
        {
            "status": status.value,
            "ending": state.ending,
            "pr": state.pr_number,
        },
    )
    return summarise(store, run_id, graph, thread, ctx, status=status)


def summarise(
    store: Store,
    run_id: str,
    graph: Any,
    thread: dict[str, Any],
    ctx: RunContext,
    status: RunStatus | None = None,
) -> RunSummary:
    """The run as its checkpoint and row say now (`status` when the caller just wrote it)."""
    snapshot = graph.get_state(thread)
    waiting = [i.value for task in snapshot.tasks for i in task.interrupts]
    return RunSummary(
        run_id=run_id,
        status=status or RunStatus(store.runs.get(run_id).status),
        state=RunState.model_validate(snapshot.values),
        waiting_for=waiting[0] if waiting else None,
        node_seconds=dict(ctx.node_seconds),
        sandbox_seconds=ctx.sandbox.seconds,
    )
