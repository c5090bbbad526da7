"""The selection step every sweep starts from: read the backlog, gather what the world says
about each ticket, and choose.

`factory sweep` (in one process, or `--dry-run`) and `factory sweep --enqueue` call the same
`select_backlog`, so they take the same tickets in the same order with the same skips.
Before choosing, the maintenance pass visits the factory's open pull requests
(`factory/pulls/maintain.py`): feedback on them becomes follow-up rounds.
"""

from __future__ import annotations

from factory.config import FactoryConfig
from factory.forges.base import ForgeError
from factory.pulls.maintain import PullMaintenance, maintain_repo
from factory.run.setup import SetupError
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
    maintained: list[PullMaintenance] = []
    if not request.dry_run:  # a dry run writes nothing, not even what people decided
        for name in repos:
            pulls.record_decisions(name)
            maintained += _maintain(config, store, name, pulls)
    facts = gather_facts(config, store, backlog, pulls)
    problems = [*problems, *pulls.problems]
    selection = select_tickets(backlog, facts, config.sweep, problems)
    return backlog, problems, selection.model_copy(update={"maintained": maintained})


def _maintain(
    config: FactoryConfig, store: Store, name: str, pulls: OpenPullRequests
) -> list[PullMaintenance]:
    """The maintenance pass over `name`'s open factory pull requests (feedback becomes
    follow-up rounds), before choosing: a forge that cannot be read is a backlog problem."""
    try:
        return maintain_repo(config, store, name)
    except (SetupError, ForgeError) as error:
        pulls.problem(name, f"open pull requests cannot be maintained: {error}")
        return []
