"""Reconciliation: the world changed under the run, and its record follows the world.

The first step of every maintenance pass over a factory pull request. Each of these ends the
run with a true status, recorded (`pull.reconciled` {ending, reason, by}), its ticket's claim
released, so the sweep never starts the ticket again (`sweep/selection.py` skips it):
- a person merged the pull request: `merged`, by that person (`run/pr_sync.py` records it);
- a person closed it unmerged: `closed`; it counts against the track record;
- its branch was deleted: the factory closes the pull request (it can never merge) and the
  run ends `closed`, also against the track record: a person threw the work away;
- the ticket (a GitHub issue) was closed, or lost the backlog label it carried when the run
  started: the factory closes its pull request with a comment saying why, and the run ends
  `ticket_closed`, which is not a person's verdict on the change and is not counted against it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from factory.forges.base import ForgeError, PullRequestInfo
from factory.forges.branches import branch_deleted, fresh_clone
from factory.forges.pull_outcomes import record_closed
from factory.governance.liveness import observed_status
from factory.run.pr_sync import RECONCILED_EVENT, record_reconciled, settle_pull
from factory.store import RunStatus
from factory.support.markdown import code, inline
from factory.tickets.github import GitHubIssueSource, IssueStatus, parse_issue_ref
from factory.tickets.model import TicketError
from factory.tickets.resolve import default_ticket_sources

if TYPE_CHECKING:
    from factory.pulls.maintain import PullContext, StepOutcome
    from factory.store.models import Run

STEP = "reconcile"

_ENDED = frozenset(
    {
        RunStatus.MERGED.value,
        RunStatus.CLOSED.value,
        RunStatus.TICKET_CLOSED.value,
        RunStatus.REJECTED.value,
    }
)


def reconcile_pull(ctx: PullContext) -> StepOutcome | None:
    """End the run when its pull request, branch or ticket says the work is over; None while
    the pull request is open and wanted (the next steps go on)."""
    run = ctx.run
    if run is None or observed_status(run) in (RunStatus.RUNNING, RunStatus.QUEUED):
        # A live driver's ending would write over ours: the next pass reconciles.
        return None
    pull = ctx.pull
    if pull.status in ("merged", "closed"):
        settled = settle_pull(ctx.store, ctx.forge, ctx.repo, run.id, pull)
        detail = (
            f"PR #{pull.number} was {settled.decision} on the {ctx.forge.kind} forge"
            if settled is not None
            else f"PR #{pull.number} is {pull.status}, as recorded"
        )
        return _outcome(action=pull.status, detail=detail, stop=True)
    if run.status in _ENDED:
        return _outcome(action="ended", detail=f"run {run.id} is {run.status}", stop=True)
    clone = fresh_clone(ctx.forge, ctx.config.factory.data_dir / "clones")
    if branch_deleted(clone, pull.head_branch):
        return _branch_deleted(ctx, run)
    gone = _ticket_gone(ctx, run)
    if gone is not None:
        return _withdraw(ctx, run, gone)
    return None


def _branch_deleted(ctx: PullContext, run: Run) -> StepOutcome:
    pull = ctx.pull
    reason = f"branch {pull.head_branch} was deleted from the {ctx.forge.kind} forge"
    by = f"forge:{ctx.forge.kind}"
    closed = _close(ctx, f"Closing: {code(pull.head_branch)} was deleted, so this cannot merge.")
    record_closed(ctx.store, run.id, closed, by=by, via=f"{ctx.forge.kind} forge", comment=reason)
    if not _reconciled(ctx, run.id):
        ctx.store.events.append(
            run.id, RECONCILED_EVENT, by, {"ending": "closed", "reason": reason, "by": by}
        )
    return _outcome(action="closed", detail=reason, stop=True)


def _ticket_gone(ctx: PullContext, run: Run) -> str | None:
    """Why the ticket no longer asks for this work (closed, or its label removed); None when
    it still does or cannot be read (a ticket that cannot be read is no reason to close)."""
    ticket_ref = ctx.state.ticket.ref if ctx.state is not None else run.ticket_ref
    if parse_issue_ref(ticket_ref) is None and not ticket_ref.startswith("http"):
        return None  # Markdown and stdin tickets have no state to follow
    status = _issue_status(ticket_ref)
    if status is None:
        return None
    if status.state == "closed":
        who = f" by {status.closed_by}" if status.closed_by else ""
        return f"the ticket {ticket_ref} was closed{who}"
    label = ctx.repo_config.backlog_label
    if label in _labels_at_start(ctx, run) and label not in status.labels:
        return f"the ticket {ticket_ref} lost its {label!r} label"
    return None


def _issue_status(ref: str) -> IssueStatus | None:
    """The issue as GitHub has it now (GITHUB_TOKEN, GITHUB_API_URL); None when unreadable."""
    for source in default_ticket_sources():
        if isinstance(source, GitHubIssueSource) and source.handles(ref):
            try:
                return source.issue_status(ref)
            except TicketError:
                return None
    return None


def _labels_at_start(ctx: PullContext, run: Run) -> list[str]:
    if ctx.state is not None:
        return list(ctx.state.ticket.labels)
    record = ctx.store.tickets.get(run.ticket_ref)
    if record is None or not record.labels:
        return []
    labels = json.loads(record.labels)
    return [str(label) for label in labels] if isinstance(labels, list) else []


def _withdraw(ctx: PullContext, run: Run, reason: str) -> StepOutcome:
    pull = ctx.pull
    _close(
        ctx,
        f"agent-factory is closing this pull request: {inline(reason)}. The branch "
        f"{code(pull.head_branch)} stays; reopen the ticket and run it again to continue.",
    )
    record_reconciled(
        ctx.store, run.id, RunStatus.TICKET_CLOSED, reason=reason, by=f"forge:{ctx.forge.kind}"
    )
    return _outcome(action="ticket_closed", detail=reason, stop=True)


def _close(ctx: PullContext, comment: str) -> PullRequestInfo:
    """Say why on the pull request, then close it (both repeatable)."""
    pull = ctx.pull
    try:
        ctx.forge.comment(pull.number, comment)
        return ctx.forge.close(pull.number)
    except ForgeError:
        # Closed meanwhile (a person was quicker): what the forge says now is the truth.
        return ctx.forge.get_pull_request(pull.number)


def _reconciled(ctx: PullContext, run_id: str) -> bool:
    return any(event.kind == RECONCILED_EVENT for event in ctx.store.events.read(run_id))


def _outcome(*, action: str, detail: str = "", stop: bool = False) -> StepOutcome:
    # Imported here: `maintain` imports this step, so its models load after this module.
    from factory.pulls.maintain import StepOutcome

    return StepOutcome(step=STEP, action=action, detail=detail, stop=stop)
