"""What the world says about each backlog ticket before a sweep decides: PRs, runs, halts.

An open pull request is looked for on the forge itself, not only in the store: on GitHub a PR
the store never heard of (opened by another factory, or by hand) still means "not again". A
PR belongs to a ticket when its branch is one of the ticket's runs' branches, or, when no
other ticket's run made it, when its branch is the factory's `factory/<ticket-key>-...` for
that ticket or its body closes the issue (`Closes #12`, `fixes owner/name#12`): the one rule
`factory run` applies too (`governance/claims.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from factory.config import FactoryConfig
from factory.forges.base import ForgeError, PullRequestInfo
from factory.governance.claims import pull_request_of_ticket
from factory.run.pr_sync import SettledPull, sync_repo
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
    merged_run: RunBrief | None = None
    """A run of the ticket whose change was merged: the ticket is delivered, whatever became
    of a later duplicate."""
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
        self._unreadable: set[str] = set()
        self._branches: dict[str, set[str]] = {}
        self.problems: list[BacklogProblem] = []

    def in_repo(self, name: str) -> list[PullRequestInfo]:
        if name not in self._cache:
            self._cache[name] = self._read(name)
        return self._cache[name]

    def record_decisions(self, name: str) -> list[SettledPull]:
        """The maintenance pass: the repository's factory PRs that are no longer open were
        merged or closed by people on the forge; record it on their runs (run/pr_sync.py)."""
        still_open = self.in_repo(name)
        if name in self._unreadable:
            return []
        try:
            return sync_repo(self._config, self._store, name, still_open=still_open)
        except (SetupError, ForgeError) as error:
            self.problem(name, f"merged or closed pull requests cannot be read: {error}")
            return []

    def _read(self, name: str) -> list[PullRequestInfo]:
        repo = self._config.repo(name)
        try:
            forge = make_forge(self._config, self._store, name, repo)
            return forge.open_pull_requests()
        except (SetupError, ForgeError) as error:
            self._unreadable.add(name)
            self.problem(name, f"open pull requests cannot be checked: {error}")
            return []

    def problem(self, name: str, message: str) -> None:
        repo = self._config.repo(name)
        self.problems.append(
            BacklogProblem(repo=name, origin=repo.github or str(repo.path), message=message)
        )

    def for_ticket(self, item: BacklogTicket, branches: set[str]) -> PullRequestInfo | None:
        """The ticket's open pull request (`branches`: its runs'), as `factory run` finds it."""
        if item.repo not in self._branches:
            runs = self._store.runs.latest(repo=item.repo, limit=100_000)
            self._branches[item.repo] = {run.branch for run in runs if run.branch}
        others = self._branches[item.repo] - branches
        return pull_request_of_ticket(self.in_repo(item.repo), item.ticket, branches, others)


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
        merged = next((run for run in runs if run.status == RunStatus.MERGED.value), None)
        facts[item.identity] = TicketFacts(
            open_pr=pulls.for_ticket(item, branches),
            latest_run=_brief(latest) if latest is not None else None,
            merged_run=_brief(merged) if merged is not None else None,
            run_ids=frozenset(run.id for run in runs),
            recent_failures=failures,
            halt=halts[item.repo],
        )
    return facts


def _brief(run: Run) -> RunBrief:
    return RunBrief(
        run_id=run.id,
        status=run.status,
        autonomy_level=run.autonomy_level,
        live=lease_is_live(run),
        outcome=run.outcome,
    )
