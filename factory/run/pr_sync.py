"""What people did to the factory's pull requests, asked of the forge and recorded on the runs.

A run that ended with its pull request open (`pr_open`, `needs_human`) or that waits for an
approval leaves the decision to people, who may take it on the forge itself: GitHub's merge
or close button. Every sweep (before it selects), `factory pr sync` and the GitHub webhook
ask the forge about those pull requests and record what it says (`forges/pull_outcomes.py`),
so `runs list`, the sweep's skip reasons and the operational review tell the truth.

Whatever the forge shows that ends a run (a person's merge or close here; a deleted branch or
a closed ticket in `factory/pulls/reconcile.py`) is also said once as `pull.reconciled`
{ending, reason, by}, through `record_reconciled`, the one writer of such endings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from factory.config import FactoryConfig
from factory.forges.base import Forge, PullRequestInfo, PullRequestNotFound
from factory.forges.pull_outcomes import person, record_closed, record_merged, run_pull_request
from factory.run.setup import make_forge
from factory.store import RunStatus, Store
from factory.support.utc import utcnow

RECONCILED_EVENT = "pull.reconciled"

AWAITING_PEOPLE = (RunStatus.PR_OPEN, RunStatus.NEEDS_HUMAN, RunStatus.WAITING_APPROVAL)
"""Statuses in which a run's pull request is in people's hands."""
SETTLED_BY_PEOPLE = (*AWAITING_PEOPLE, RunStatus.FAILED)
"""Statuses whose pull request a person may still merge or close: a run that failed after
its PR opened (a follow-up round's model error, say) leaves the PR open to people, and their
merge is still the factory's change delivered."""


@dataclass(frozen=True)
class SettledPull:
    """A pull request the forge says was merged or closed, now recorded on its run."""

    repo: str
    run_id: str
    number: int
    decision: str
    """`merged` or `closed`."""
    by: str | None


def awaiting_runs(
    store: Store, repo: str, statuses: tuple[RunStatus, ...] = AWAITING_PEOPLE
) -> list[tuple[str, int]]:
    """(run id, pull request number) of the repository's runs in `statuses` that opened a
    pull request: by default those whose PR people decide."""
    found: list[tuple[str, int]] = []
    for status in statuses:
        for run in store.runs.latest(status=status, repo=repo, limit=100_000):
            number = run_pull_request(store, run.id)
            if number is not None:
                found.append((run.id, number))
    return found


def sync_repo(
    config: FactoryConfig,
    store: Store,
    name: str,
    *,
    forge: Forge | None = None,
    still_open: Iterable[PullRequestInfo] | None = None,
) -> list[SettledPull]:
    """Ask the forge about each pull request of `name` that waits for people; record what
    was merged or closed. `still_open` (the forge's open pull requests, when the caller has
    just read them) spares one request per pull request that is still open."""
    waiting = awaiting_runs(store, name, SETTLED_BY_PEOPLE)
    if not waiting:
        return []
    forge = forge or make_forge(config, store, name, config.repo(name))
    open_numbers = {pull.number for pull in still_open} if still_open is not None else set()
    settled: list[SettledPull] = []
    for run_id, number in waiting:
        if number in open_numbers:
            continue
        found = _settle(store, forge, name, run_id, number)
        if found is not None:
            settled.append(found)
    return settled


def sync_pull_request(
    config: FactoryConfig, store: Store, name: str, number: int
) -> SettledPull | None:
    """One pull request (a webhook said it closed): what the forge says, on the run that
    opened it. None when no run of this store opened it, or it is still open."""
    for run_id, waiting_number in awaiting_runs(store, name, SETTLED_BY_PEOPLE):
        if waiting_number == number:
            forge = make_forge(config, store, name, config.repo(name))
            return _settle(store, forge, name, run_id, number)
    return None


def _settle(store: Store, forge: Forge, repo: str, run_id: str, number: int) -> SettledPull | None:
    try:
        pull = forge.get_pull_request(number)
    except PullRequestNotFound:
        return None
    return settle_pull(store, forge, repo, run_id, pull)


def settle_pull(
    store: Store, forge: Forge, repo: str, run_id: str, pull: PullRequestInfo
) -> SettledPull | None:
    """Record what the forge says became of `pull` (just read) on the run that opened it:
    merged or closed by a person, with `pull.reconciled`. None when it is still open or
    this was recorded before."""
    via = f"{forge.kind} forge"
    # GitHub names who merged; who closed a pull request it does not say, so the forge is
    # the actor then, never a person the record cannot name.
    if pull.status == "merged":
        actor = person(pull.merged_by) if pull.merged_by else f"forge:{forge.kind}"
        if record_merged(store, run_id, pull, by=actor, via=via):
            reason = f"PR #{pull.number} was merged on the {via}"
            _append_reconciled(store, run_id, "merged", reason, actor)
            return SettledPull(repo, run_id, pull.number, "merged", pull.merged_by)
    elif pull.status == "closed":
        actor = f"forge:{forge.kind}"
        if record_closed(store, run_id, pull, by=actor, via=via):
            reason = f"PR #{pull.number} was closed unmerged on the {via}"
            _append_reconciled(store, run_id, "closed", reason, actor)
            return SettledPull(repo, run_id, pull.number, "closed", None)
    return None


def record_reconciled(
    store: Store, run_id: str, status: RunStatus, *, reason: str, by: str
) -> bool:
    """End the run with `status` because the world changed under it (a deleted branch, a
    closed ticket): `pull.reconciled`, the row, the ticket's claim released. False when the
    run already ended that way."""
    run = store.runs.find(run_id)
    if run is None or run.status == status.value:
        return False
    _append_reconciled(store, run_id, status.value, reason, by)
    store.runs.update(run_id, status=status, outcome=reason[:500], finished_at=utcnow())
    store.claims.release_run(run_id)
    return True


def _append_reconciled(store: Store, run_id: str, ending: str, reason: str, by: str) -> None:
    store.events.append(
        run_id, RECONCILED_EVENT, by, {"ending": ending, "reason": reason, "by": by}
    )
