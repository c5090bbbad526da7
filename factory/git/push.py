"""Push a run's branch. Never forced: a push that is not a fast-forward fails loudly."""

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
) -> str:
    """Push `branch` from `repo` to `destination` (a path or URL without credentials).

    Returns the pushed commit. `secret` is scrubbed from any error text.
    """
    if "://" in destination and (urlsplit(destination).username or urlsplit(destination).password):
        raise GitError("credentials do not belong in a remote URL; configure a token instead")
    runner = factory_git(repo, env=env)
    sha = run_git(runner, "rev-parse", "--verify", f"refs/heads/{branch}", action=f"find {branch}")
    refspec = f"refs/heads/{branch}:refs/heads/{remote_branch or branch}"
    try:
        run_git(
            runner, "push", "--quiet", "--no-verify", destination, refspec, action=f"push {branch}"
        )
    except GitError as error:
        raise GitError(str(error).replace(secret, "***") if secret else str(error)) from None
    return sha
