"""A person acting as reviewer on the local forge: what `factory pr` calls.

Merges and closes by a person are appended to the run's audit chain (actor `human:<name>`),
and the run's status follows (`merged` / `rejected`), so the record of a pull request's fate
lives with the run that opened it (`pull_outcomes.py`, shared with GitHub's merge button).
"""

import getpass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from factory.config import FactoryConfig
from factory.forges.base import ForgeError, PullRequestInfo, PullRequestNotFound
from factory.forges.feedback import FeedbackItem, ReviewState
from factory.forges.local import LocalForge
from factory.forges.local_feedback import add_comment, add_review
from factory.forges.pull_outcomes import person, record_closed, record_merged
from factory.git import DiffStats, GitError, diff_stats, factory_git, run_git
from factory.store import Store


class PullRequestView(BaseModel):
    """One pull request with the size of its change, for `factory pr show`."""

    model_config = ConfigDict(frozen=True)

    repo: str
    pull: PullRequestInfo
    stats: DiffStats | None
    """None when the branch or base is gone from the repository."""
    feedback: list[FeedbackItem] = []
    """Its reviews and comments, oldest first (the factory's replies among them)."""


def local_forge(config: FactoryConfig, store: Store, repo: str) -> LocalForge:
    """The local forge of a configured repository, or of a checkout a run was given by path
    (`factory run --repo ./app`), which factory.toml does not name."""
    settings = config.repos.get(repo)
    path = settings.path if settings is not None else checkout_of(store, repo)
    if settings is None and path is None:
        config.repo(repo)  # unknown names fail with the list of known ones
    if path is None:
        raise ForgeError(
            f"repository {repo!r} lives on GitHub; review its pull requests there, "
            "not with `factory pr`"
        )
    return LocalForge(
        store.pull_requests,
        repo_name=repo,
        repo_path=path,
        clone_cache=config.factory.data_dir / "clones",
        identity=config.git,
    )


def checkout_of(store: Store, repo: str) -> Path | None:
    """The checkout runs on the unconfigured repository `repo` worked in, if any did."""
    for run in store.runs.latest(repo=repo, limit=100):
        if run.repo_path:
            return Path(run.repo_path)
    return None


def choose_repo(config: FactoryConfig, store: Store, number: int, repo: str | None) -> str:
    """The repository a bare `#number` means: the named one, the only one with a local pull
    request of that number, else the only local repository configured."""
    if repo is not None:
        if repo not in config.repos and checkout_of(store, repo) is None:
            config.repo(repo)  # unknown names fail with the list of known ones
        return repo
    local = [name for name, settings in config.repos.items() if settings.path is not None]
    holders = sorted(
        {
            row.repo
            for row in store.pull_requests.all()
            if row.number == number and row.forge == "local"
        }
    )
    if len(holders) == 1:
        return holders[0]
    if not holders and len(local) == 1:
        return local[0]
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
    return PullRequestView(
        repo=forge.repo_name, pull=pull, stats=stats, feedback=forge.feedback(number)
    )


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
    forge.merge(number)
    merged = forge.get_pull_request(number)
    record_merged(
        store, merged.run_id, merged, by=person(getpass.getuser()), via="factory pr merge"
    )
    return str(merged.merged_sha)


def close_pull_request(
    store: Store, forge: LocalForge, number: int, comment: str | None
) -> PullRequestInfo:
    if comment:
        forge.comment(number, comment)
    closed = forge.close(number)
    record_closed(
        store,
        closed.run_id,
        closed,
        by=person(getpass.getuser()),
        via="factory pr close",
        comment=comment,
    )
    return closed


def comment_on_pull_request(
    store: Store,
    forge: LocalForge,
    number: int,
    text: str,
    *,
    path: str | None = None,
    line: int | None = None,
) -> FeedbackItem:
    """A comment as the operator: on the pull request, or inline on `path` at `line`."""
    pull = _open_pull(forge, number)
    return add_comment(
        store.pull_request_comments,
        forge.target,
        forge.repo_name,
        pull,
        author=getpass.getuser(),
        body=text,
        path=path,
        line=line,
    )


def review_pull_request(
    store: Store, forge: LocalForge, number: int, *, state: ReviewState, text: str
) -> FeedbackItem:
    """A review as the operator: changes requested, or approved."""
    pull = _open_pull(forge, number)
    return add_review(
        store.pull_request_comments,
        forge.repo_name,
        pull,
        author=getpass.getuser(),
        state=state,
        body=text,
    )


def _open_pull(forge: LocalForge, number: int) -> PullRequestInfo:
    pull = forge.get_pull_request(number)
    if pull.status not in ("open", "draft"):
        raise ForgeError(f"#{number} is {pull.status}; only an open pull request takes feedback")
    return pull


__all__ = [
    "PullRequestView",
    "choose_repo",
    "close_pull_request",
    "comment_on_pull_request",
    "local_forge",
    "merge_pull_request",
    "pull_request_diff",
    "review_pull_request",
    "show_pull_request",
]
