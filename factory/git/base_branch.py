"""Which branch a repository's work starts from, when factory.toml does not say.

One answer everywhere (`factory init`, `factory config check`, every run): the remote's HEAD
branch (`origin/HEAD`, what GitHub calls the default branch), else the branch checked out,
else none; the factory never assumes `main`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import git

from factory.config import ConfigError, RepoConfig
from factory.git.command import GitError, factory_git, run_git

BaseBranchSource = Literal["origin HEAD", "current branch", "default"]


def base_branch_of(repo: RepoConfig) -> str:
    """`repo`'s base branch: configured, or detected (a local repository's here, on first use,
    then kept on `repo`; a GitHub repository's by the preflight every run passes through)."""
    if repo.base_branch is None and repo.path is not None and repo.path.is_dir():
        detected = detect_base_branch(repo.path)
        repo.base_branch = detected[0] if detected else None
    if repo.base_branch is None:
        raise ConfigError(
            "base_branch is not set and was not detected yet; set it in factory.toml "
            "or run `factory config check` to see why detection failed"
        )
    return repo.base_branch


def detect_base_branch(repo: Path) -> tuple[str, BaseBranchSource] | None:
    """(branch, where it came from) for the git repository at `repo`, or None (detached HEAD
    and no remote HEAD: nothing says which branch is the base)."""
    return _detect(factory_git(repo))


def detect_with(runner: git.Git) -> tuple[str, BaseBranchSource] | None:
    """`detect_base_branch` with a git runner the caller already has."""
    return _detect(runner)


def _detect(runner: git.Git) -> tuple[str, BaseBranchSource] | None:
    origin_head = _answer(runner, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    if origin_head and origin_head.startswith("origin/") and origin_head != "origin/":
        return origin_head.removeprefix("origin/"), "origin HEAD"
    current = _answer(runner, "symbolic-ref", "--quiet", "--short", "HEAD")  # None when detached
    if current:
        return current, "current branch"
    return None


def _answer(runner: git.Git, *args: str) -> str | None:
    """git's answer, or None when git says there is none."""
    try:
        return run_git(runner, *args, action=f"run git {args[0]}")
    except GitError:
        return None
