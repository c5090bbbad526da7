"""A person acting as reviewer on the local forge: what `factory pr` calls.

Merges and closes by a person are appended to the run's audit chain (actor `human:<name>`),
and the run's status follows (`merged` / `rejected`), so the record of a pull request's fate
lives with the run that opened it.
"""

import getpass
from typing import Any

from pydantic import BaseModel, ConfigDict

from factory.config import FactoryConfig
from factory.forges.base import ForgeError, PullRequestInfo, PullRequestNotFound
from factory.forges.local import LocalForge
from factory.git import DiffStats, GitError, diff_stats, factory_git, run_git
from factory.store import RunStatus, Store
from factory.support.utc import utcnow


class PullRequestView(BaseModel):
    """One pull request with the size of its change, for `factory pr show`."""

    model_config = ConfigDict(frozen=True)

    repo: str
    pull: PullRequestInfo
    stats: DiffStats | None
    """None when the branch or base is gone from the repository."""


def local_forge(config: FactoryConfig, store: Store, repo: str) -> LocalForge:
    """The local forge of a configured repository."""
    settings = config.repo(repo)
    if settings.path is None:
        raise ForgeError(
            f"repository {repo!r} lives on GitHub; review its pull requests there, "
            "not with `factory pr`"
        )
    return LocalForge(
        store.pull_requests,
        repo_name=repo,
        repo_path=settings.path,
        clone_cache=config.factory.data_dir / "clones",
        identity=config.git,
    )


def choose_repo(config: FactoryConfig, store: Store, number: int, repo: str | None) -> str:
    """The repository a bare `#number` means: the named one, the only one, or the only match."""
    if repo is not None:
        config.repo(repo)  # unknown names fail with the list of known ones
        return repo
    local = [name for name, settings in config.repos.items() if settings.path is not None]
    if len(local) == 1:
        return local[0]
    holders = sorted({row.repo for row in store.pull_requests.all() if row.number == number})
    holders = [name for name in holders if name in local]
    if len(holders) == 1:
        return holders[0]
    if not holders:
        raise PullRequestNotFound(f"no pull request #{number}; `factory pr list` shows them")
    raise ForgeError(f"#{number} exists in {', '.join(holders)}; pass --repo NAME")


def show_pull_request(forge: LocalForge, number: int) -> PullRequestView:
    pull = forge.get_pull_request(number)
    base, head = _change_range(pull)
    try:
        stats = diff_stats(forge.target, base, head)
    except GitError:
        stats = None
    return PullRequestView(repo=forge.repo_name, pull=pull, stats=stats)


def pull_request_diff(forge: LocalForge, number: int) -> str:
    """The change as a unified diff against the point where the branch left its base."""
    base, head = _change_range(forge.get_pull_request(number))
    return run_git(
        factory_git(forge.target),
        "diff",
        f"{base}...{head}",
        action=f"diff #{number}",
        strip=False,
    )


def _change_range(pull: PullRequestInfo) -> tuple[str, str]:
    """The commits between which the pull request's change lies. The SHAs recorded when it
    was opened stay right after a merge; the branch names only while it is unmerged."""
    head = pull.head_sha or pull.head_branch
    if pull.base_sha:
        return pull.base_sha, head
    if pull.status == "merged" and pull.merged_sha:
        # Recorded before base SHAs were: the merge commit's first parent is the old base.
        return f"{pull.merged_sha}^1", head
    return pull.base_branch, head


def merge_pull_request(store: Store, forge: LocalForge, number: int, *, ready: bool) -> str:
    """Merge as a person; a draft needs `ready` (the factory asked for a human's look)."""
    pull = forge.get_pull_request(number)
    if pull.status == "draft" and not ready:
        raise ForgeError(
            f"#{number} is a draft: the factory wants a person to review it first; "
            f"after reviewing, run `factory pr merge {number} --ready`"
        )
    sha = forge.merge(number)
    _record(store, pull, "pr.merged", {"merged_sha": sha})
    _settle_run(store, pull, RunStatus.MERGED, f"merged as {sha[:12]}")
    return sha


def close_pull_request(
    store: Store, forge: LocalForge, number: int, comment: str | None
) -> PullRequestInfo:
    if comment:
        forge.comment(number, comment)
    closed = forge.close(number)
    _record(store, closed, "pr.closed", {"comment": comment or ""})
    _settle_run(store, closed, RunStatus.REJECTED, f"PR #{number} closed: {comment or 'no reason'}")
    return closed


def _record(store: Store, pull: PullRequestInfo, kind: str, extra: dict[str, Any]) -> None:
    if pull.run_id is None or store.runs.find(pull.run_id) is None:
        return
    payload = {"number": pull.number, "head_branch": pull.head_branch, **extra}
    store.events.append(pull.run_id, kind, f"human:{getpass.getuser()}", payload)


def _settle_run(store: Store, pull: PullRequestInfo, status: RunStatus, outcome: str) -> None:
    """The run that opened the pull request ends the way the person decided."""
    if pull.run_id is None or store.runs.find(pull.run_id) is None:
        return
    store.runs.update(pull.run_id, status=status, outcome=outcome[:500], finished_at=utcnow())


__all__ = [
    "PullRequestView",
    "choose_repo",
    "close_pull_request",
    "local_forge",
    "merge_pull_request",
    "pull_request_diff",
    "show_pull_request",
]
