"""Bringing a branch up to date with a base branch that moved: a rebase, or a merge of the base.

All work happens in a throwaway detached worktree of the cached clone, so a conflict never
leaves a half-done rebase or merge behind: the conflicting hunks are read, then the operation
is aborted (or, for a conflict a coder will resolve, the merge is committed with git's conflict
markers so the coder's round starts from the base it must fit). Nothing here pushes; the
caller decides how the result may reach the forge (`forges/branches.py`).
"""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import git
from pydantic import BaseModel, ConfigDict

from factory.config.git import BotIdentity
from factory.git.clones import clone_lock
from factory.git.command import GitError, factory_git, run_git

CONTEXT_LINES = 3
"""Lines shown around each conflict region, as a diff hunk shows them."""
MAX_HUNK_LINES = 120
"""A conflict region longer than this is cut: the coder reads the file itself for the rest."""

UpdateMethod = Literal["rebase", "merge"]


class ConflictHunk(BaseModel):
    """One conflicting region of a file, with git's markers and a little context."""

    model_config = ConfigDict(frozen=True)

    path: str
    line: int
    """1-based line of the `<<<<<<<` marker in the conflicted file."""
    text: str


class BaseUpdate(BaseModel):
    """What bringing the branch up to date did (nothing is pushed yet)."""

    model_config = ConfigDict(frozen=True)

    method: UpdateMethod
    base_sha: str
    head_before: str
    head_after: str | None
    """The updated head; None when a conflict stopped it."""
    conflicts: list[ConflictHunk] = []

    @property
    def clean(self) -> bool:
        return self.head_after is not None and not self.conflicts

    @property
    def conflicted_files(self) -> list[str]:
        return sorted({hunk.path for hunk in self.conflicts})


def contains(clone: Path, ancestor: str, descendant: str) -> bool:
    """Whether `descendant` already contains `ancestor` (the branch is not behind it)."""
    runner = factory_git(clone)
    try:
        runner.execute(["git", "merge-base", "--is-ancestor", ancestor, descendant])
    except git.GitCommandError as error:
        if error.status == 1:
            return False
        reason = (error.stderr or str(error)).strip()
        pair = f"{ancestor[:12]} and {descendant[:12]}"
        raise GitError(f"could not compare {pair}: {reason}") from None
    return True


def rebase_onto(clone: Path, *, head_sha: str, base_sha: str, identity: BotIdentity) -> BaseUpdate:
    """Replay `head_sha`'s commits since its fork point onto `base_sha` (authors kept, the
    factory as committer). On a conflict: the hunks, and nothing changed."""
    with _scratch_checkout(clone, head_sha, identity) as (path, runner):
        try:
            run_git(runner, "rebase", "--no-autosquash", base_sha, action="rebase onto the base")
        except GitError:
            conflicts = _conflict_hunks(path, runner)
            _quietly(runner, "rebase", "--abort")
            if not conflicts:
                raise
            return BaseUpdate(
                method="rebase",
                base_sha=base_sha,
                head_before=head_sha,
                head_after=None,
                conflicts=conflicts,
            )
        after = run_git(runner, "rev-parse", "HEAD", action="read the rebased head")
    return BaseUpdate(method="rebase", base_sha=base_sha, head_before=head_sha, head_after=after)


def merge_base_in(
    clone: Path,
    *,
    head_sha: str,
    base_sha: str,
    base_branch: str,
    identity: BotIdentity,
    keep_conflicts: bool = False,
) -> BaseUpdate:
    """Merge `base_sha` into the branch at `head_sha` (its commits stay as they are).

    On a conflict the hunks are returned; with `keep_conflicts` the merge is also committed
    with git's markers in the conflicted files (`head_after`), for a coder to resolve on top."""
    message = f"Merge {base_branch} into the branch\n\nBrings in {base_branch} at {base_sha[:12]}."
    with _scratch_checkout(clone, head_sha, identity) as (path, runner):
        try:
            run_git(
                runner,
                "merge",
                "--no-ff",
                "--no-verify",
                "-m",
                message,
                base_sha,
                action="merge the base in",
            )
        except GitError:
            conflicts = _conflict_hunks(path, runner)
            if not conflicts:
                _quietly(runner, "merge", "--abort")
                raise
            after = None
            if keep_conflicts:
                files = sorted({hunk.path for hunk in conflicts})
                run_git(runner, "add", "--", *files, action="stage the conflicted files")
                note = "Conflicts left for the coder in: " + ", ".join(files)
                run_git(
                    runner,
                    "commit",
                    "--no-verify",
                    "--quiet",
                    "-m",
                    f"{message}\n\n{note}",
                    action="record the conflicted merge",
                )
                after = run_git(runner, "rev-parse", "HEAD", action="read the merge")
            else:
                _quietly(runner, "merge", "--abort")
            return BaseUpdate(
                method="merge",
                base_sha=base_sha,
                head_before=head_sha,
                head_after=after,
                conflicts=conflicts,
            )
        after = run_git(runner, "rev-parse", "HEAD", action="read the merge")
    return BaseUpdate(method="merge", base_sha=base_sha, head_before=head_sha, head_after=after)


def local_branch(clone: Path, branch: str) -> str | None:
    """Where the clone's own `branch` points (None when the clone has no such branch)."""
    try:
        return run_git(
            factory_git(clone),
            "rev-parse",
            "--verify",
            "--quiet",
            f"refs/heads/{branch}",
            action=f"find {branch}",
        )
    except GitError:
        return None


def set_local_branch(clone: Path, branch: str, sha: str | None) -> None:
    """Point the clone's own branch (the one runs' worktrees check out) at `sha`; None
    deletes it (it did not exist before)."""
    runner = factory_git(clone)
    ref = f"refs/heads/{branch}"
    with clone_lock(clone):
        if sha is None:
            run_git(runner, "update-ref", "-d", ref, action=f"drop {branch}")
        else:
            run_git(runner, "update-ref", ref, sha, action=f"move {branch}")


@contextmanager
def _scratch_checkout(
    clone: Path, head_sha: str, identity: BotIdentity
) -> Iterator[tuple[Path, git.Git]]:
    """A detached worktree at `head_sha`, removed afterwards, committing as the factory."""
    clone_git = factory_git(clone)
    with tempfile.TemporaryDirectory(prefix="factory-base-", dir=clone.parent) as scratch:
        path = Path(scratch) / "update"
        with clone_lock(clone):
            run_git(
                clone_git,
                "worktree",
                "add",
                "--quiet",
                "--detach",
                str(path),
                head_sha,
                action="check the branch out",
            )
        runner = factory_git(path, trusted=[clone])
        runner.update_environment(
            GIT_AUTHOR_NAME=identity.name,
            GIT_AUTHOR_EMAIL=identity.email,
            GIT_COMMITTER_NAME=identity.name,
            GIT_COMMITTER_EMAIL=identity.email,
            GIT_EDITOR="true",
        )
        try:
            yield path, runner
        finally:
            with clone_lock(clone):
                _quietly(clone_git, "worktree", "remove", "--force", str(path))
                _quietly(clone_git, "worktree", "prune")


def _conflict_hunks(path: Path, runner: git.Git) -> list[ConflictHunk]:
    listed = run_git(
        runner, "diff", "--name-only", "--diff-filter=U", action="list the conflicted files"
    )
    hunks: list[ConflictHunk] = []
    for name in sorted(set(listed.splitlines())):
        file = path / name
        if not file.is_file():
            hunks.append(ConflictHunk(path=name, line=0, text="(deleted on one side)"))
            continue
        text = file.read_text(errors="replace")
        found = list(conflict_regions(name, text))
        hunks.extend(found or [ConflictHunk(path=name, line=0, text="(a binary or mode conflict)")])
    return hunks


def conflict_regions(name: str, text: str) -> Iterator[ConflictHunk]:
    """Each `<<<<<<<` ... `>>>>>>>` region of a file, with `CONTEXT_LINES` around it."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        if not lines[index].startswith("<<<<<<<"):
            index += 1
            continue
        end = index
        while end < len(lines) and not lines[end].startswith(">>>>>>>"):
            end += 1
        start = max(0, index - CONTEXT_LINES)
        stop = min(len(lines), end + 1 + CONTEXT_LINES)
        region = lines[start:stop]
        if len(region) > MAX_HUNK_LINES:
            region = [*region[:MAX_HUNK_LINES], f"... ({len(region) - MAX_HUNK_LINES} more lines)"]
        yield ConflictHunk(path=name, line=index + 1, text="\n".join(region))
        index = end + 1


def _quietly(runner: git.Git, *args: str) -> None:
    """Tidying up: a failure here must not hide the reason the caller is reporting."""
    try:
        runner.execute(["git", *args])
    except git.GitCommandError:
        return
