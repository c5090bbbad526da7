"""Push a run's branch. Never forced: a push that is not a fast-forward fails loudly.

The one exception is `expected_sha`: a branch the factory rebased (every commit on it its own,
`forges/branches.py` checks) replaces the remote branch only while the remote still points
at `expected_sha` (git's `--force-with-lease`), so a commit a person pushed meanwhile is
never overwritten: the push is refused instead."""

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from factory.git.command import GitError, factory_git, run_git


def push_branch(
    repo: Path,
    destination: str,
    branch: str,
    *,
    remote_branch: str | None = None,
    env: Mapping[str, str] | None = None,
    secret: str = "",
    expected_sha: str | None = None,
) -> str:
    """Push `branch` from `repo` to `destination` (a path or URL without credentials).

    Returns the pushed commit. `secret` is scrubbed from any error text. With
    `expected_sha`, the remote branch is replaced only if it still points there.
    """
    if "://" in destination and (urlsplit(destination).username or urlsplit(destination).password):
        raise GitError("credentials do not belong in a remote URL; configure a token instead")
    runner = factory_git(repo, env=env)
    sha = run_git(runner, "rev-parse", "--verify", f"refs/heads/{branch}", action=f"find {branch}")
    remote_ref = f"refs/heads/{remote_branch or branch}"
    refspec = f"refs/heads/{branch}:{remote_ref}"
    lease = [f"--force-with-lease={remote_ref}:{expected_sha}"] if expected_sha else []
    try:
        run_git(
            runner,
            "push",
            "--quiet",
            "--no-verify",
            *lease,
            destination,
            refspec,
            action=f"push {branch}",
        )
    except GitError as error:
        raise GitError(str(error).replace(secret, "***") if secret else str(error)) from None
    return sha
