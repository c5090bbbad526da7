"""The selection step every sweep starts from: read the backlog, gather what the world says
about each ticket, and choose.

`factory sweep` (in one process, or `--dry-run`) and `factory sweep --enqueue` call the same
`select_backlog`, so they take the same tickets in the same order with the same skips.
"""

from __future__ import annotations

from factory.config import FactoryConfig
from factory.store import Store
from factory.sweep.backlog import (
    BacklogProblem,
    BacklogTicket,
    gather_backlog,
    github_issue_source,
)
from factory.sweep.facts import OpenPullRequests, gather_facts
from factory.sweep.outcome import SweepRequest
from factory.sweep.selection import Selection, select_tickets


def select_backlog(
    config: FactoryConfig, store: Store, repos: list[str], request: SweepRequest
) -> tuple[list[BacklogTicket], list[BacklogProblem], Selection]:
    """The backlog of `repos`, what could not be read, and which tickets a sweep takes."""
    backlog, problems = gather_backlog(
        config, store, repos, label=request.label, github=github_issue_source()
    )
    pulls = OpenPullRequests(config, store)
    if not request.dry_run:  # a dry run writes nothing, not even what people decided
        for name in repos:
            pulls.record_decisions(name)
    facts = gather_facts(config, store, backlog, pulls)
    problems = [*problems, *pulls.problems]
    return backlog, problems, select_tickets(backlog, facts, config.sweep, problems)
