"""The states a run and a pull request can be in.

Kept apart from the store's tables so the CLI can name them in `--help` without loading
SQLAlchemy; the store imports them from here.
"""

from enum import StrEnum


class RunStatus(StrEnum):
    """Where a run is. Add members here (and nowhere else) when a new state appears."""

    QUEUED = "queued"
    RUNNING = "running"
    WAITING_APPROVAL = "waiting_approval"
    NEEDS_HUMAN = "needs_human"
    PR_OPEN = "pr_open"
    NO_CHANGE = "no_change"
    """The branch ended equal to its base: nothing was pushed, no pull request opened."""
    MERGED = "merged"
    REFUSED = "refused"
    BUDGET_EXCEEDED = "budget_exceeded"
    FAILED = "failed"
    HALTED = "halted"
    REJECTED = "rejected"
    """A person rejected the run's change through the factory (`factory reject`)."""
    CLOSED = "closed"
    """A person closed the run's pull request unmerged on the forge, or deleted its branch."""
    TICKET_CLOSED = "ticket_closed"
    """The ticket was closed or lost its backlog label while the pull request was open: the
    factory closed its pull request, saying why in a comment."""
    DONE = "done"
    INTERRUPTED = "interrupted"
    """Shown, never stored: the record says running but no live process drives the run."""


OPEN_RUN_STATUSES = frozenset(
    {
        RunStatus.QUEUED,
        RunStatus.RUNNING,
        RunStatus.INTERRUPTED,
        RunStatus.WAITING_APPROVAL,
        RunStatus.HALTED,
    }
)
"""A run in one of these may still push a branch or open a PR: it holds its ticket's claim."""


class PullRequestStatus(StrEnum):
    OPEN = "open"
    DRAFT = "draft"
    MERGED = "merged"
    CLOSED = "closed"


class ApprovalDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


__all__ = ["OPEN_RUN_STATUSES", "ApprovalDecision", "PullRequestStatus", "RunStatus"]
