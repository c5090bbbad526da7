"""An attempt's throwaway repository, and judging its result with the hidden tests.

The throwaway is a repository sharing the cached clone's objects whose only branch is
the base branch at the task's `base_commit`: the run clones from it like from any local
repository, so the agents see the history up to the base and nothing after it (the fix and
its tests are in no ref they can reach). Judging checks the run's branch out, puts every
file the test patch touches back as it was at the base (so a run that edited or deleted
those tests is judged by the real ones), applies the test patch and runs the suite.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

from agents.test_report import TestReport, run_test_suite
from factory.config import FactoryConfig, RepoConfig
from factory.eval.validation import apply_patch
from factory.git.clones import clone_dir_for
from factory.git.command import GitError, factory_git, run_git
from factory.git.worktree import detached_checkout
from sandboxes.docker_sandbox import DockerSandbox
from sandboxes.pool import WarmPool
from sandboxes.setup_cache import prepare_setup_image

_DIFF_PATHS = re.compile(r"^diff --git a/(.+?) b/(.+)$", re.MULTILINE)


def make_throwaway(clone: Path, path: Path, base_branch: str, base_commit: str) -> None:
    """A repository at `path` whose one branch, `base_branch`, is at `base_commit` (checked
    out), sharing the clone's objects."""
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    runner = factory_git(path.parent, trusted=[clone, path])
    run_git(
        runner,
        "clone",
        "--shared",
        "--quiet",
        "--no-tags",
        "--no-checkout",
        str(clone),
        str(path),
        action="make the eval's throwaway repository",
    )
    inside = factory_git(path, trusted=[clone])
    run_git(
        inside,
        "checkout",
        "--quiet",
        "-B",
        base_branch,
        base_commit,
        action=f"check {base_branch} out at the task's base commit",
    )
    refs = run_git(inside, "for-each-ref", "--format=%(refname)", action="list refs").split()
    for ref in refs:
        if ref != f"refs/heads/{base_branch}":
            run_git(inside, "update-ref", "-d", ref, action="drop a ref")
    run_git(inside, "remote", "remove", "origin", action="forget the origin")


def remove_throwaway(config: FactoryConfig, path: Path) -> None:
    """The throwaway and the run's cached clone of it."""
    shutil.rmtree(clone_dir_for(str(path), config.factory.data_dir / "clones"), ignore_errors=True)
    shutil.rmtree(path, ignore_errors=True)


def test_patch_paths(test_patch: str) -> list[str]:
    paths: list[str] = []
    for old, new in _DIFF_PATHS.findall(test_patch):
        for name in (old, new):
            if name not in paths:
                paths.append(name)
    return paths


def judge_change(
    config: FactoryConfig,
    repo: RepoConfig,
    throwaway: Path,
    *,
    branch: str | None,
    base_commit: str,
    test_patch: str,
    label: str,
    pool: WarmPool | None = None,
    refill: bool = True,
) -> TestReport:
    """The suite's report on the run's branch (or the base) with the hidden tests applied.

    With a warm `pool` (a repository without setup commands) the checkout goes into a started
    sandbox's slot, so judging does not wait for a container to start."""
    run_clone = clone_dir_for(str(throwaway), config.factory.data_dir / "clones")
    source = run_clone if run_clone.is_dir() else throwaway
    runner = factory_git(source, trusted=[throwaway])
    sha = base_commit
    if branch:
        try:
            sha = run_git(
                runner,
                "rev-parse",
                "--verify",
                f"refs/heads/{branch}^{{commit}}",
                action="find the run's branch",
            )
        except GitError:
            sha = base_commit  # the run never committed: its change is the base itself
    timeout = config.sandbox.command_timeout_s
    if pool is not None and not repo.setup:
        warm = pool.acquire(refill=refill)
        slot = warm.worktree
        assert slot is not None
        try:
            with detached_checkout(source, sha, slot, into_empty=True):
                try:
                    _hidden_tests(
                        path=slot,
                        source=source,
                        throwaway=throwaway,
                        base_commit=base_commit,
                        test_patch=test_patch,
                    )
                    return run_test_suite(warm, slot, repo.test_command, timeout=timeout)
                finally:
                    warm.remove()  # first: it hands the slot back before the checkout goes
        finally:
            warm.remove()
            shutil.rmtree(slot, ignore_errors=True)
    path = config.factory.data_dir / "eval-checkouts" / f"judge-{uuid.uuid4().hex[:10]}"
    with detached_checkout(source, sha, path):
        _hidden_tests(
            path=path,
            source=source,
            throwaway=throwaway,
            base_commit=base_commit,
            test_patch=test_patch,
        )
        image = prepare_setup_image(config.sandbox, path, repo.setup, run_id=label).image
        with DockerSandbox(
            config.sandbox, worktree=path, run_id=label, role="eval", image=image
        ) as sandbox:
            return run_test_suite(sandbox, path, repo.test_command, timeout=timeout)


def _hidden_tests(
    *, path: Path, source: Path, throwaway: Path, base_commit: str, test_patch: str
) -> None:
    """Every file the test patch touches back as at the base, then the test patch applied."""
    checkout = factory_git(path, trusted=[source, throwaway])
    for name in test_patch_paths(test_patch):
        try:
            run_git(checkout, "checkout", base_commit, "--", name, action="restore a test")
        except GitError:
            (path / name).unlink(missing_ok=True)  # not in the base: the patch creates it
    apply_patch(path, test_patch, trusted=[source, throwaway])
