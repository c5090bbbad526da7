"""Read governing files (factory.toml, policies, CODEOWNERS) from the base branch.

An agent edits its own branch; reading rules from there would let it loosen its own gates.
"""

from pathlib import Path

import git

from factory.git.command import GitError, factory_git, run_git
from factory.git.worktree import base_ref


def resolve_base(runner: git.Git, repo: Path, base: str) -> str:
    """The ref that holds the base branch: `refs/remotes/origin/<base>` in a cached clone,
    else `<base>` itself (a branch or commit of any repository). GitError when neither is."""
    for ref in (base_ref(base), base):
        try:
            run_git(
                runner, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", action="find base"
            )
        except GitError:
            continue
        return ref
    raise GitError(f"base branch {base!r} not found in {repo}; check base_branch in factory.toml")


def list_base_files(repo: Path, base: str) -> set[str]:
    """Every file path at the tip of `base` in `repo` (same base lookup as `read_from_base`)."""
    runner = factory_git(repo)
    ref = resolve_base(runner, repo, base)
    listing = run_git(
        runner, "ls-tree", "-r", "-z", "--name-only", ref, action="list base files", strip=False
    )
    return {name for name in listing.split("\0") if name}


def read_from_base(repo: Path, base: str, path: str) -> str | None:
    """Text of `path` at the tip of `base` in `repo`, or None when the file is not there.

    `repo` is a cached clone (base read from `origin/<base>`) or any git repository, in which
    case `base` may be a branch name or a commit.
    """
    runner = factory_git(repo)
    if ".." in Path(path).parts or path.startswith("/"):
        raise GitError(f"{path!r} is not a path inside the repository")
    ref = resolve_base(runner, repo, base)
    try:
        return run_git(runner, "show", f"{ref}:{path}", action=f"read {path}", strip=False)
    except GitError:
        return None
