"""Read governing files (factory.toml, policies, CODEOWNERS) from the base branch.

An agent edits its own branch; reading rules from there would let it loosen its own gates.
`BaseSnapshot` resolves the base branch to one commit and reads everything from it, so a
judgement that reads several files sees one consistent base even if the branch moves meanwhile.
"""

from functools import cached_property
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


class BaseSnapshot:
    """The tip of `base` in `repo`, resolved once to a commit (`sha`); files read from it.

    `repo` is a cached clone (base read from `origin/<base>`) or any git repository, in which
    case `base` may be a branch name or a commit. GitError when the base is not there.
    """

    def __init__(self, repo: Path, base: str) -> None:
        self.repo = repo
        self.base = base
        self._runner = factory_git(repo)
        ref = resolve_base(self._runner, repo, base)
        self.sha = run_git(self._runner, "rev-parse", f"{ref}^{{commit}}", action="find base")

    @cached_property
    def files(self) -> frozenset[str]:
        """Every file path in the snapshot."""
        listing = run_git(
            self._runner,
            "ls-tree",
            "-r",
            "-z",
            "--name-only",
            self.sha,
            action="list base files",
            strip=False,
        )
        return frozenset(name for name in listing.split("\0") if name)

    def read(self, path: str) -> str | None:
        """Text of `path` in the snapshot, or None when the file is not there."""
        if ".." in Path(path).parts or path.startswith("/"):
            raise GitError(f"{path!r} is not a path inside the repository")
        try:
            return run_git(
                self._runner, "show", f"{self.sha}:{path}", action=f"read {path}", strip=False
            )
        except GitError:
            return None


def list_base_files(repo: Path, base: str) -> set[str]:
    """Every file path at the tip of `base` in `repo`."""
    return set(BaseSnapshot(repo, base).files)


def read_from_base(repo: Path, base: str, path: str) -> str | None:
    """Text of `path` at the tip of `base` in `repo`, or None when the file is not there
    (GitError when the base itself is not: a missing base must not read as a missing file)."""
    return BaseSnapshot(repo, base).read(path)
