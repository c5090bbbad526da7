"""Which backlog tickets a sweep works on, in which order, and why each other one is skipped.

Pure: it reads the tickets and the facts gathered about them and decides; nothing is written.
Order: priority (front matter or `priority:` labels) first, then age, oldest first. A ticket
whose latest run is interrupted (no live process drives it) is *resumed*, never started again.
`--limit` and the sweep budget are applied by the driver as it starts tickets (and by
`--dry-run` the same way, assuming every run spends its whole per-run limit).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from factory.config.sweep import SweepConfig
from factory.pulls.maintain import PullMaintenance
from factory.store.statuses import RunStatus
from factory.sweep.backlog import BacklogProblem, BacklogTicket
from factory.sweep.facts import TicketFacts


class SkipReason(StrEnum):
    """Why a sweep did not start a ticket. Every skipped ticket has exactly one."""

    OPEN_PR = "open_pr"
    IN_PROGRESS = "in_progress"
    WAITING_FOR_HUMAN = "waiting_for_human"
    DELIVERED = "delivered"
    PLAN_COMMENTED = "plan_commented"
    REFUSED = "refused"
    BACKOFF = "backoff"
    HALTED = "halted"
    OVER_BUDGET = "over_budget"
    LIMIT = "limit"
    STOPPED = "stopped"
    UNREADABLE = "unreadable"


SKIP_TITLES = {
    SkipReason.OPEN_PR: "an open pull request",
    SkipReason.IN_PROGRESS: "a run in progress",
    SkipReason.WAITING_FOR_HUMAN: "waiting for a human",
    SkipReason.DELIVERED: "already delivered",
    SkipReason.PLAN_COMMENTED: "L0 plan already commented",
    SkipReason.REFUSED: "refused or rejected before",
    SkipReason.BACKOFF: "backing off after failures",
    SkipReason.HALTED: "repository halted",
    SkipReason.OVER_BUDGET: "over the sweep budget",
    SkipReason.LIMIT: "--limit reached",
    SkipReason.STOPPED: "the sweep was stopped",
    SkipReason.UNREADABLE: "could not be read",
}

NO_CHANGE = "no_change"
"""A run whose branch ended equal to its base (the outcomes work names it `no_change`)."""
_WAITING = {RunStatus.WAITING_APPROVAL.value, RunStatus.NEEDS_HUMAN.value}
_REFUSED = {RunStatus.REFUSED.value, RunStatus.REJECTED.value}
_RESUMABLE = {RunStatus.RUNNING.value, RunStatus.QUEUED.value, RunStatus.HALTED.value}


class Skip(BaseModel):
    model_config = ConfigDict(frozen=True)

    identity: str
    repo: str
    title: str
    reason: SkipReason
    detail: str


class Pick(BaseModel):
    """A ticket the sweep will work on: a new run, or the resumption of an interrupted one."""

    model_config = ConfigDict(frozen=True)

    item: BacklogTicket
    action: Literal["start", "resume"]
    run_id: str | None = None
    """The run to resume."""
    runs_seen: frozenset[str] = frozenset()
    """The ticket's runs when it was chosen; another one appearing since means "not again"."""


class Selection(BaseModel):
    picks: list[Pick]
    skips: list[Skip]
    maintained: list[PullMaintenance] = Field(default_factory=list)
    """The maintenance pass over the open factory pull requests made before choosing."""


def skip(item: BacklogTicket, reason: SkipReason, detail: str) -> Skip:
    return Skip(
        identity=item.identity,
        repo=item.repo,
        title=item.ticket.title,
        reason=reason,
        detail=detail,
    )


def unreadable(problem: BacklogProblem) -> Skip:
    return Skip(
        identity=problem.origin,
        repo=problem.repo,
        title=problem.origin,
        reason=SkipReason.UNREADABLE,
        detail=problem.message,
    )


def select_tickets(
    backlog: Sequence[BacklogTicket],
    facts: dict[str, TicketFacts],
    settings: SweepConfig,
    problems: Sequence[BacklogProblem] = (),
) -> Selection:
    """The tickets to work on, in order, and every other ticket with its reason."""
    picks: list[Pick] = []
    skips: list[Skip] = [unreadable(problem) for problem in problems]
    ordered = sorted(backlog, key=lambda item: (item.priority_rank, item.opened_at, item.identity))
    for item in ordered:
        decided = _decide(item, facts.get(item.identity, TicketFacts()), settings)
        if isinstance(decided, Skip):
            skips.append(decided)
        else:
            picks.append(decided)
    return Selection(picks=picks, skips=skips)


def _decide(item: BacklogTicket, facts: TicketFacts, settings: SweepConfig) -> Pick | Skip:
    if facts.halt is not None:
        return skip(item, SkipReason.HALTED, facts.halt)
    run = facts.latest_run
    if run is not None and run.live:
        return skip(item, SkipReason.IN_PROGRESS, f"run {run.run_id} is driven by a live process")
    if facts.open_pr is not None:
        pull = facts.open_pr
        where = pull.url or f"#{pull.number} on the {pull.forge} forge"
        return skip(item, SkipReason.OPEN_PR, f"pull request #{pull.number} is open ({where})")
    if run is not None:
        status = run.status
        if status in _RESUMABLE:
            return Pick(item=item, action="resume", run_id=run.run_id)
        if status in _WAITING:
            return skip(item, SkipReason.WAITING_FOR_HUMAN, f"run {run.run_id} is {status}")
    merged = facts.merged_run
    if merged is not None:
        later = (
            f"; the later run {run.run_id} is {run.status}"
            if run is not None and run.run_id != merged.run_id
            else ""
        )
        return skip(item, SkipReason.DELIVERED, f"run {merged.run_id} merged its change{later}")
    if run is not None:
        status = run.status
        if status == RunStatus.PR_OPEN.value:
            return skip(item, SkipReason.DELIVERED, f"run {run.run_id} opened a PR ({run.outcome})")
        if status == RunStatus.MERGED.value:
            return skip(item, SkipReason.DELIVERED, f"run {run.run_id} merged its change")
        if status == NO_CHANGE:
            return skip(item, SkipReason.DELIVERED, f"run {run.run_id} found nothing to change")
        if status == RunStatus.DONE.value:
            if run.autonomy_level == "L0":
                return skip(item, SkipReason.PLAN_COMMENTED, f"run {run.run_id} commented its plan")
            return skip(item, SkipReason.DELIVERED, f"run {run.run_id} finished: {run.outcome}")
        if status in _REFUSED:
            return skip(
                item,
                SkipReason.REFUSED,
                f"run {run.run_id} was {status}; change the ticket or the policy, then "
                "`factory run` it",
            )
    if facts.recent_failures >= settings.backoff_failures:
        return skip(
            item,
            SkipReason.BACKOFF,
            f"failed {facts.recent_failures} times in the last {settings.backoff_days:g} days",
        )
    return Pick(item=item, action="start", runs_seen=facts.run_ids)
