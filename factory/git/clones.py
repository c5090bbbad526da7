"""The factory's own clone of each repository, cached under the data dir and refreshed per run.

Runs never work in the user's checkout: they work in worktrees of this clone. The clone is
bare, with remote-tracking refs, so base branches are always `refs/remotes/origin/<base>`.
"""

import fcntl
import hashlib
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import git

from factory.git.command import GitError, factory_git, run_git


def clone_dir_for(source: str, cache_root: Path) -> Path:
    """Where the cached clone of `source` lives: readable name plus a hash against collisions."""
    normalized = str(Path(source).resolve()) if _is_local(source) else source.rstrip("/")
    tail = re.sub(r"[^A-Za-z0-9._-]+", "-", normalized.rstrip("/").split("/")[-1]).strip("-")
    digest = hashlib.sha256(normalized.encode()).hexdigest()[:12]
    return cache_root / f"{tail.removesuffix('.git') or 'repo'}-{digest}.git"


def ensure_clone(source: str, cache_root: Path, *, env: Mapping[str, str] | None = None) -> Path:
    """Clone `source` (a local path or URL) once, then fetch on every later call.

    `env` carries credentials for private remotes (see `askpass_env`); it is used for this
    call only and never written to the clone's config.
    """
    if _is_local(source) and not Path(source).exists():
        raise GitError(f"repository {source} does not exist; pass the path of a git checkout")
    target = clone_dir_for(source, cache_root)
    cache_root.mkdir(parents=True, exist_ok=True)
    with clone_lock(target):
        _clone_once(source, target, cache_root, env)
        _exclude_factory_files(target)
        fetch_clone(target, env=env)
    return target


@contextmanager
def clone_lock(clone: Path) -> Iterator[None]:
    """Serialise clone, fetch and worktree bookkeeping on one clone across runs and processes."""
    lock_path = clone.with_name(clone.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _clone_once(source: str, target: Path, cache_root: Path, env: Mapping[str, str] | None) -> None:
    origin = str(Path(source).resolve()) if _is_local(source) else source
    if (target / "HEAD").exists():
        return
    # Clone beside the target and rename: an interrupted clone never looks like a finished one.
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    runner = factory_git(cache_root, trusted=[partial], env=env)
    run_git(runner, "clone", "--bare", "--quiet", origin, str(partial), action=f"clone {source}")
    clone = factory_git(partial, env=env)
    # A bare clone maps branches onto local heads; remote-tracking refs keep runs' own
    # branches (local heads) apart from what the origin has.
    run_git(
        clone,
        "config",
        "remote.origin.fetch",
        "+refs/heads/*:refs/remotes/origin/*",
        action="configure the cached clone",
    )
    run_git(clone, "config", "core.logAllRefUpdates", "true", action="configure the cached clone")
    for head in _local_heads(clone):
        run_git(clone, "update-ref", "-d", f"refs/heads/{head}", action="tidy the cached clone")
    partial.rename(target)


# Scratch the factory writes inside worktrees (test reports); never part of a commit, whatever
# a sandboxed command puts under the name (a file, or a symlink leading out, as well as a folder).
FACTORY_SCRATCH = ("/.factory-reports",)


def _exclude_factory_files(clone: Path) -> None:
    exclude = clone / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    present = exclude.read_text().splitlines() if exclude.exists() else []
    missing = [line for line in FACTORY_SCRATCH if line not in present]
    if missing:
        exclude.write_text("\n".join([*present, *missing]) + "\n")


def fetch_clone(clone: Path, *, env: Mapping[str, str] | None = None) -> None:
    """Bring the remote-tracking refs up to date (never touches runs' own branches)."""
    runner = factory_git(clone, env=env)
    run_git(runner, "fetch", "--quiet", "--prune", "origin", action=f"fetch into {clone}")


def _local_heads(runner: git.Git) -> list[str]:
    output = run_git(
        runner, "for-each-ref", "--format=%(refname:lstrip=2)", "refs/heads", action="list branches"
    )
    return [line for line in output.splitlines() if line]


def _is_local(source: str) -> bool:
    return "://" not in source and not re.match(r"^[\w.-]+@[\w.-]+:", source)
