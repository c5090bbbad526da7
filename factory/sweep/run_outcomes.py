"""A ticket's outcome told from its run, for the sweep's report and its chain.

The in-process sweep and a sweep's run jobs on workers record the same `TicketOutcome`:
`run_outcome` when the run stopped being driven (ended, waiting for a person, or stopped),
`failed_outcome` when it could not start or stopped on an error, and `lost_race` turns a
refusal caused by another process (its claim, its lease, its open pull request, its ending)
into a skip: the ticket was not this sweep's to run.
"""

from __future__ import annotations

import json

from factory.run.runner import RunError, RunSummary, ScopeHalted
from factory.run.state import RunState
from factory.store import LeaseHeld, Store, TicketClaimed
from factory.sweep.outcome import PickedTicket, TicketOutcome
from factory.sweep.selection import Pick, Skip, SkipReason


def picked(pick: Pick) -> PickedTicket:
    """The pick as the outcome and a run job carry it (no ticket body, no facts)."""
    item = pick.item
    return PickedTicket(
        identity=item.identity,
        repo=item.repo,
        title=item.ticket.title,
        action=pick.action,
        runs_seen=sorted(pick.runs_seen) if pick.runs_seen is not None else None,
    )


def run_outcome(
    store: Store, item: PickedTicket, summary: RunSummary, seconds: float
) -> TicketOutcome:
    """A ticket's outcome as its run stopped being driven (ended, waiting, or stopped)."""
    state = summary.state
    decision = state.decision
    run = store.runs.get(summary.run_id)
    return TicketOutcome(
        identity=item.identity,
        repo=item.repo,
        title=item.title,
        action=item.action,
        run_id=summary.run_id,
        status=summary.status.value,
        ending=state.ending,
        pr_number=state.pr_number,
        pr_url=state.pr_url,
        cost_usd=run.cost_usd,
        cost_known=_cost_known(store, summary.run_id),
        tokens=run.tokens,
        iterations=state.iteration,
        tests=state.last_test_report.summary_text() if state.last_test_report else None,
        decision=decision.decision.value if decision else None,
        reasons=_reasons(state),
        owners=list(decision.request_reviews_from) if decision else [],
        error=state.error,
        seconds=seconds,
        sandbox_s=summary.sandbox_seconds,
    )


def failed_outcome(
    store: Store,
    item: PickedTicket,
    run_id: str | None,
    error: Exception,
    seconds: float,
) -> TicketOutcome:
    """A ticket whose run could not start or stopped on an error."""
    run = store.runs.find(run_id) if run_id else None
    return TicketOutcome(
        identity=item.identity,
        repo=item.repo,
        title=item.title,
        action=item.action,
        run_id=run_id,
        status=run.status if run is not None else "failed",
        cost_usd=run.cost_usd if run is not None else 0.0,
        cost_known=_cost_known(store, run_id) if run_id else True,
        tokens=run.tokens if run is not None else 0,
        error=str(error)[:500] or type(error).__name__,
        seconds=seconds,
    )


def lost_race(pick: PickedTicket, error: RunError) -> Skip | None:
    """A skip when another process took the ticket between selection and start."""

    def skipped(reason: SkipReason, detail: str) -> Skip:
        return Skip(
            identity=pick.identity, repo=pick.repo, title=pick.title, reason=reason, detail=detail
        )

    if isinstance(error, ScopeHalted):  # a spend limit may have halted it since selection
        return skipped(SkipReason.HALTED, str(error))
    cause = error.__cause__
    if isinstance(cause, TicketClaimed):
        return skipped(
            SkipReason.IN_PROGRESS, f"run {cause.run_id} took the ticket since this sweep chose it"
        )
    if isinstance(cause, LeaseHeld):
        return skipped(SkipReason.IN_PROGRESS, str(cause))
    text = str(error)
    if "already has an open pull request" in text:
        return skipped(SkipReason.OPEN_PR, text)
    if pick.action == "resume" and "already finished" in text:
        return skipped(SkipReason.DELIVERED, text)
    if pick.action == "resume" and "waits for approval" in text:
        return skipped(SkipReason.WAITING_FOR_HUMAN, text)
    return None


def _reasons(state: RunState) -> list[str]:
    decision = state.decision
    if decision is None:
        # No gate judged it: a run that needs a human before the gate (an agent stopped as
        # stuck) says why in its error.
        return [state.error] if state.ending == "needs_human" and state.error else []
    refusing = [
        f"{verdict.policy}: {'; '.join(verdict.reasons)}"
        for verdict in decision.verdicts
        if verdict.outcome.value == "refuse"
    ]
    return refusing or list(decision.reasons)


def _cost_known(store: Store, run_id: str | None) -> bool:
    """False when any model call of the run had no price (its cost is then unknown)."""
    if run_id is None:
        return True
    for event in store.events.read(run_id):
        if event.kind == "model.call" and "cost_usd" not in json.loads(event.payload):
            return False
    return True
