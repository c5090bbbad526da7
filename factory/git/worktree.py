"""One git worktree per run, on its own branch, made from the cached clone's base branch."""

import os
import re
import shutil
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import git
from pydantic import BaseModel, ConfigDict

from factory.git.clones import clone_lock
from factory.git.command import GitError, factory_git, run_git

_SLUG_MAX = 40


class RunWorktree(BaseModel):
    """A run's working copy: where agents edit, and the branch its commits go on."""

    model_config = ConfigDict(frozen=True)

    path: Path
    clone: Path
    branch: str
    base_branch: str
    base_sha: str
    """The base commit the branch started from (baseline tests run here)."""
    reused: bool = False
    """True when a resumed run found its worktree or branch already there."""


def slugify(text: str, limit: int = _SLUG_MAX) -> str:
    """Lowercase ASCII words joined by dashes, safe inside a git ref."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def branch_name(ticket_key: str, title: str) -> str:
    """`factory/<ticket-key>-<slug>`, e.g. `factory/42-fix-off-by-one-in-pager`."""
    key = slugify(ticket_key, limit=30) or "ticket"
    slug = slugify(title)
    return f"factory/{key}-{slug}" if slug else f"factory/{key}"


def base_ref(base_branch: str) -> str:
    return f"refs/remotes/origin/{base_branch}"


def create_worktree(clone: Path, *, base_branch: str, branch: str, path: Path) -> RunWorktree:
    """Check `branch` out at `path`, creating it from the base branch if it is new.

    Idempotent: a resumed run that calls this again gets the same worktree and branch back,
    with its commits, instead of a second branch.
    """
    runner = factory_git(clone, trusted=[path])
    run_git(runner, "check-ref-format", "--branch", branch, action=f"use branch name {branch!r}")
    base_sha = _resolve(runner, base_ref(base_branch), base_branch)
    branch_exists = _ref_exists(runner, f"refs/heads/{branch}")
    if branch_exists:
        # A resumed run keeps the base it forked from, even if the base branch moved since.
        base_sha = run_git(
            runner, "merge-base", f"refs/heads/{branch}", base_sha, action="find the fork point"
        )
    if path.exists() and (path / ".git").exists():
        current = run_git(
            factory_git(path, trusted=[clone]),
            "branch",
            "--show-current",
            action=f"inspect worktree {path}",
        )
        if current != branch:
            raise GitError(
                f"worktree {path} is on {current!r}, not {branch!r}; remove it and retry"
            )
        return RunWorktree(
            path=path,
            clone=clone,
            branch=branch,
            base_branch=base_branch,
            base_sha=base_sha,
            reused=True,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with clone_lock(clone):
        _add_worktree(runner, path=path, branch=branch, base_branch=base_branch)
    return RunWorktree(
        path=path,
        clone=clone,
        branch=branch,
        base_branch=base_branch,
        base_sha=base_sha,
        reused=branch_exists,
    )


def _add_worktree(runner: git.Git, *, path: Path, branch: str, base_branch: str) -> None:
    run_git(runner, "worktree", "prune", action="prune stale worktrees")
    if _ref_exists(runner, f"refs/heads/{branch}"):
        run_git(
            runner,
            "worktree",
            "add",
            "--quiet",
            str(path),
            branch,
            action=f"check out existing branch {branch}",
        )
    else:
        run_git(
            runner,
            "worktree",
            "add",
            "--quiet",
            "--no-track",
            "-b",
            branch,
            str(path),
            base_ref(base_branch),
            action=f"create branch {branch} from {base_branch}",
        )


def remove_worktree(worktree: RunWorktree, *, keep: bool = False) -> bool:
    """Remove the run's worktree (its branch and commits stay). Returns False when kept."""
    if keep:
        return False
    runner = factory_git(worktree.clone, trusted=[worktree.path])
    with clone_lock(worktree.clone):
        _remove(runner, worktree.path)
    return True


def _remove(runner: git.Git, path: Path) -> None:
    if path.exists():
        try:
            run_git(
                runner, "worktree", "remove", "--force", str(path), action=f"remove worktree {path}"
            )
        except GitError:
            # Files written by the sandbox's uid can defeat git's own removal; the branch holds
            # the work, so the directory itself is disposable.
            shutil.rmtree(path, ignore_errors=True)
    run_git(runner, "worktree", "prune", action="prune worktrees")


def worktree_git(worktree: RunWorktree) -> git.Git:
    """A git runner for the run's worktree that never trusts the worktree's own `.git` file.

    Commands in the sandbox can rewrite `<worktree>/.git` to point at a git directory they
    made, whose config could run programs on the host (filters, fsmonitor). The admin
    directory is looked up in the factory's own clone instead and passed explicitly.
    """
    admin = _admin_dir(worktree)
    return factory_git(
        worktree.path,
        trusted=[worktree.clone],
        env={"GIT_DIR": str(admin), "GIT_WORK_TREE": str(worktree.path)},
    )


def _admin_dir(worktree: RunWorktree) -> Path:
    # The worktree's own `.git` is never resolved: a sandboxed command may have made it a link.
    home = worktree.path.resolve()
    for gitdir in sorted((worktree.clone / "worktrees").glob("*/gitdir")):
        recorded = Path(gitdir.read_text().strip())
        if recorded.name == ".git" and recorded.parent.resolve(strict=False) == home:
            return gitdir.parent
    raise GitError(
        f"{worktree.path} is not a worktree of {worktree.clone}; remove it and resume the run"
    )


def restore_git_entry(worktree: RunWorktree) -> str | None:
    """Put the worktree's `.git` file back if a sandboxed command changed it; say what was there.

    Host-side git never reads it (`worktree_git`), so a hook, a config or a link planted there
    never runs; putting the file back keeps the planted files from lying around the worktree,
    and what was found goes on the run's record. None when the file is as git wrote it."""
    entry = worktree.path / ".git"
    if not worktree.path.is_dir():
        return None
    expected = f"gitdir: {_admin_dir(worktree)}\n"
    if entry.is_symlink():
        found = f"a symlink to {os.readlink(entry)}"
    elif entry.is_dir():
        planted = sorted(p.relative_to(entry).as_posix() for p in entry.rglob("*") if p.is_file())
        found = "a directory holding " + (", ".join(planted[:20]) or "nothing")
    elif not entry.exists():
        found = "nothing (removed)"
    elif not entry.is_file():
        found = "a special file"
    else:
        with entry.open("rb") as current:
            if current.read(len(expected) + 1) == expected.encode():
                return None
        found = "a file pointing elsewhere"
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry)
    elif entry.exists() or entry.is_symlink():
        entry.unlink()
    entry.write_text(expected)
    return found


def head_sha(worktree: RunWorktree) -> str:
    runner = worktree_git(worktree)
    return run_git(runner, "rev-parse", "HEAD", action="read the worktree's HEAD")


def _resolve(runner: git.Git, ref: str, base_branch: str) -> str:
    try:
        return run_git(
            runner, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", action="resolve base"
        )
    except GitError:
        raise GitError(
            f"base branch {base_branch!r} does not exist in the repository; "
            "set base_branch in factory.toml to an existing branch"
        ) from None


def _ref_exists(runner: git.Git, ref: str) -> bool:
    try:
        run_git(runner, "rev-parse", "--verify", "--quiet", ref, action="check ref")
    except GitError:
        return False
    return True


def reset_to_head(worktree: RunWorktree) -> None:
    """Drop uncommitted edits, so a step repeated after a crash starts where it first did."""
    runner = worktree_git(worktree)
    run_git(runner, "reset", "--hard", "--quiet", "HEAD", action="reset the worktree")
    run_git(runner, "clean", "-fdq", action="remove untracked files from the worktree")


def diff_against_base(worktree: RunWorktree) -> str:
    """The branch's change since it left the base commit (what the reviewer reads)."""
    runner = worktree_git(worktree)
    return run_git(
        runner,
        "diff",
        "--no-color",
        f"{worktree.base_sha}..HEAD",
        action="diff the branch",
        strip=False,
    )


def tracked_paths(worktree: RunWorktree, paths: list[str]) -> set[str]:
    """Those of `paths` that are files in the worktree's HEAD commit."""
    if not paths:
        return set()
    runner = worktree_git(worktree)
    listed = run_git(
        runner, "ls-tree", "-r", "--name-only", "HEAD", "--", *paths, action="list files"
    )
    return set(listed.splitlines())


@contextmanager
def detached_checkout(
    clone: Path, sha: str, path: Path, *, into_empty: bool = False
) -> Iterator[Path]:
    """A throwaway checkout of commit `sha` at `path` (the base commit, for a baseline suite or
    a test-command check), removed afterwards. GitError when it cannot be made.

    `into_empty`: `path` is an empty directory that must stay the same directory (a warm
    sandbox's slot, bind-mounted already), so it is filled rather than made anew."""
    runner = factory_git(clone, trusted=[path])
    if not into_empty:
        shutil.rmtree(path, ignore_errors=True)
    # Under the clone's lock like every worktree change: a prune while another run's
    # `worktree add` is half done would delete that run's worktree entry.
    with clone_lock(clone):
        run_git(runner, "worktree", "prune", action="prune worktrees")
        run_git(
            runner,
            "worktree",
            "add",
            "--detach",
            "--quiet",
            str(path),
            sha,
            action="check out the base commit",
        )
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        with clone_lock(clone):
            run_git(runner, "worktree", "prune", action="prune worktrees")
