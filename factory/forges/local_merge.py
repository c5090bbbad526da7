"""A real `git merge` of a local pull request, done in the factory's clone, then delivered.

The merge commit is made in a throwaway worktree of the cached clone, so a conflict never
leaves the user's repository half-merged. Delivery is a fast-forward of the base branch:
a push for a bare repository (or a branch not checked out), else `git merge --ff-only` in the
checkout, which git itself refuses when it would overwrite uncommitted work.
"""

import tempfile
from pathlib import Path

from factory.forges.base import ForgeError, MergeConflict
from factory.git import (
    BotIdentity,
    GitError,
    base_ref,
    ensure_clone,
    factory_git,
    run_git,
)


def merge_locally(
    target: Path,
    *,
    clone_cache: Path,
    head_branch: str,
    base_branch: str,
    message: str,
    identity: BotIdentity,
) -> str:
    """Merge `head_branch` into `base_branch` of the repository at `target`; returns the sha."""
    clone = ensure_clone(str(target), clone_cache)
    runner = factory_git(clone)
    head = f"refs/remotes/origin/{head_branch}"
    try:
        run_git(runner, "rev-parse", "--verify", "--quiet", head, action="find the branch")
    except GitError:
        raise ForgeError(f"branch {head_branch} is not in {target}; push it first") from None
    with tempfile.TemporaryDirectory(prefix="factory-merge-", dir=clone_cache) as scratch:
        path = Path(scratch) / "merge"
        run_git(
            runner,
            "worktree",
            "add",
            "--quiet",
            "--detach",
            str(path),
            base_ref(base_branch),
            action=f"check out {base_branch}",
        )
        try:
            sha = _merge_commit(path, clone, head, message, identity)
        finally:
            run_git(runner, "worktree", "remove", "--force", str(path), action="clean up the merge")
    _deliver(target, clone, sha, base_branch)
    return sha


def _merge_commit(path: Path, clone: Path, head: str, message: str, who: BotIdentity) -> str:
    worktree = factory_git(path, trusted=[clone])
    worktree.update_environment(
        GIT_AUTHOR_NAME=who.name,
        GIT_AUTHOR_EMAIL=who.email,
        GIT_COMMITTER_NAME=who.name,
        GIT_COMMITTER_EMAIL=who.email,
    )
    try:
        run_git(worktree, "merge", "--no-ff", "--no-verify", "-m", message, head, action="merge")
    except GitError as error:
        conflicted = run_git(worktree, "diff", "--name-only", "--diff-filter=U", action="list")
        run_git(worktree, "merge", "--abort", action="abort the merge")
        if conflicted:
            files = ", ".join(conflicted.splitlines())
            raise MergeConflict(
                f"the branch conflicts with its base in {files}; rebase or fix it, then merge again"
            ) from None
        raise ForgeError(str(error)) from None
    return run_git(worktree, "rev-parse", "HEAD", action="read the merge commit")


def _deliver(target: Path, clone: Path, sha: str, base_branch: str) -> None:
    repo = factory_git(target, trusted=[clone])
    bare = run_git(repo, "rev-parse", "--is-bare-repository", action="inspect") == "true"
    checked_out = "" if bare else _current_branch(target)
    source = factory_git(clone, trusted=[target])
    if checked_out != base_branch:
        try:
            run_git(
                source,
                "push",
                "--quiet",
                "--no-verify",
                str(target),
                f"{sha}:refs/heads/{base_branch}",
                action=f"update {base_branch}",
            )
        except GitError as error:
            raise MergeConflict(f"{error}; {base_branch} moved meanwhile, merge again") from None
        return
    # The base is the user's checked-out branch: bring the commit over, then fast-forward the
    # checkout the way the user would, which never discards their uncommitted work.
    transfer = f"refs/factory/merging/{sha}"
    run_git(
        source,
        "push",
        "--quiet",
        "--no-verify",
        str(target),
        f"{sha}:{transfer}",
        action="hand the merge commit over",
    )
    try:
        run_git(repo, "merge", "--ff-only", "--quiet", sha, action=f"fast-forward {base_branch}")
    except GitError as error:
        raise ForgeError(
            f"{error}; {base_branch} is checked out in {target} and the merge would touch "
            "uncommitted work or it has moved: commit or stash, then merge again"
        ) from None
    finally:
        run_git(repo, "update-ref", "-d", transfer, action="drop the hand-over ref")


def _current_branch(target: Path) -> str:
    return run_git(factory_git(target), "branch", "--show-current", action="inspect the checkout")
