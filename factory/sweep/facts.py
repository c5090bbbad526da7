"""What the world says about each backlog ticket before a sweep decides: PRs, runs, halts.

An open pull request is looked for on the forge itself, not only in the store: on GitHub a PR
the store never heard of (opened by another factory, or by hand) still means "not again". A
PR belongs to a ticket when its branch is one of the ticket's runs' branches, when its branch
is the factory's `factory/<ticket-key>-...` for that ticket, or when its body closes the issue
(`Closes #12`, `fixes owner/name#12`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from factory.config import FactoryConfig
from factory.forges.base import ForgeError, PullRequestInfo
from factory.git.worktree import slugify
from factory.run.setup import SetupError, make_forge
from factory.store import Run, Store
from factory.store.statuses import RunStatus
from factory.sweep.backlog import BacklogProblem, BacklogTicket

FAILED_STATUSES = frozenset({RunStatus.FAILED.value, RunStatus.BUDGET_EXCEEDED.value})


class RunBrief(BaseModel):
    """The latest run of a ticket, as far as the sweep cares."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    status: str
    autonomy_level: str | None
    live: bool
    """A live process drives it (its lease has not expired and its owner is alive)."""
    outcome: str | None = None


class TicketFacts(BaseModel):
    model_config = ConfigDict(frozen=True)

    open_pr: PullRequestInfo | None = None
    latest_run: RunBrief | None = None
    run_ids: frozenset[str] = frozenset()
    """Every run of the ticket as seen now (a new run starts only if none appeared since)."""
    recent_failures: int = 0
    halt: str | None = None
    """Why the ticket's repository is halted, when it is."""


def lease_is_live(run: Run) -> bool:
    """Whether a live process drives the run (see factory/store/leases.py)."""
    from factory.store.leases import Lease

    lease = Lease.of_run(run)
    return lease is not None and lease.is_live()


class OpenPullRequests:
    """Open PRs per repository, read once per sweep from the forge (GitHub) or the store."""

    def __init__(self, config: FactoryConfig, store: Store) -> None:
        self._config = config
        self._store = store
        self._cache: dict[str, list[PullRequestInfo]] = {}
        self.problems: list[BacklogProblem] = []

    def in_repo(self, name: str) -> list[PullRequestInfo]:
        if name not in self._cache:
            self._cache[name] = self._read(name)
        return self._cache[name]

    def _read(self, name: str) -> list[PullRequestInfo]:
        repo = self._config.repo(name)
        try:
            forge = make_forge(self._config, self._store, name, repo)
            return forge.open_pull_requests()
        except (SetupError, ForgeError) as error:
            self.problems.append(
                BacklogProblem(
                    repo=name,
                    origin=repo.github or str(repo.path),
                    message=f"open pull requests cannot be checked: {error}",
                )
            )
            return []

    def for_ticket(self, item: BacklogTicket, branches: set[str]) -> PullRequestInfo | None:
        prefix = f"factory/{slugify(item.ticket.key, limit=30) or 'ticket'}"
        closing = _closing_reference(item)
        for pull in self.in_repo(item.repo):
            head = pull.head_branch
            if head in branches or head == prefix or head.startswith(prefix + "-"):
                return pull
            if closing is not None and closing.search(pull.body or ""):
                return pull
        return None


def _closing_reference(item: BacklogTicket) -> re.Pattern[str] | None:
    """`Closes #12` / `fixes owner/name#12` / the factory's own `Closes owner/name#12.`."""
    if item.ticket.source != "github":
        return None
    repo, _, number = item.ticket.ref.rpartition("#")
    keywords = r"(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)"
    return re.compile(
        rf"\b{keywords}:?\s+(?:{re.escape(repo)})?#{re.escape(number)}\b", re.IGNORECASE
    )


def gather_facts(
    config: FactoryConfig,
    store: Store,
    backlog: Sequence[BacklogTicket],
    pulls: OpenPullRequests,
    now: datetime | None = None,
) -> dict[str, TicketFacts]:
    """Facts for every ticket, keyed by identity."""
    moment = now or datetime.now(UTC)
    window = timedelta(days=config.sweep.backoff_days)
    halts: dict[str, str | None] = {}
    facts: dict[str, TicketFacts] = {}
    for item in backlog:
        if item.repo not in halts:
            halt = store.halts.for_repo(item.repo)
            halts[item.repo] = f"halted by {halt.by}: {halt.reason}" if halt else None
        runs = store.runs.of_ticket(item.identity)
        latest = runs[0] if runs else None
        failures = sum(
            1 for run in runs if run.status in FAILED_STATUSES and run.created_at >= moment - window
        )
        branches = {run.branch for run in runs if run.branch}
        facts[item.identity] = TicketFacts(
            open_pr=pulls.for_ticket(item, branches),
            latest_run=RunBrief(
                run_id=latest.id,
                status=latest.status,
                autonomy_level=latest.autonomy_level,
                live=lease_is_live(latest),
                outcome=latest.outcome,
            )
            if latest is not None
            else None,
            run_ids=frozenset(run.id for run in runs),
            recent_failures=failures,
            halt=halts[item.repo],
        )
    return facts
