"""The suite on the base commit, run once per (base sha, test command) and cached.

It runs in its own throwaway checkout and sandbox, so the run's worktree is never disturbed.
"""

from __future__ import annotations

import shutil

from agents.test_report import BaselineCache, TestReport, run_test_suite
from agents.tester import test_command
from factory.git.command import GitError, factory_git, run_git
from factory.run.context import MeteredSandbox, RunContext


def baseline_report(ctx: RunContext, base_sha: str) -> TestReport | None:
    """The base commit's report; None when it cannot be had (then every failure counts as new)."""
    command = test_command(ctx.deps)
    cache = BaselineCache(ctx.data_dir / "baselines")
    cached = cache.get(base_sha, command)
    if cached is not None or ctx.baseline_sandbox is None:
        return cached
    path = ctx.data_dir / "baseline-checkouts" / f"{ctx.run_id}-{base_sha[:12]}"
    clone = ctx.worktree.clone
    runner = factory_git(clone, trusted=[path])
    shutil.rmtree(path, ignore_errors=True)
    try:
        run_git(runner, "worktree", "prune", action="prune worktrees")
        run_git(
            runner,
            "worktree",
            "add",
            "--detach",
            "--quiet",
            str(path),
            base_sha,
            action="check out the base commit",
        )
    except GitError as error:
        ctx.event("tests.baseline_unavailable", {"reason": str(error)})
        return None
    try:
        with ctx.baseline_sandbox(path) as sandbox:
            metered = MeteredSandbox(sandbox)
            report = run_test_suite(
                metered, path, command, timeout=ctx.config.sandbox.command_timeout_s
            )
            ctx.sandbox.seconds += metered.seconds  # the run's time inside sandbox commands
        report = report.model_copy(update={"baseline_sha": base_sha})
        cache.put(base_sha, report)
        ctx.event(
            "tests.baseline",
            {"sha": base_sha, "summary": report.summary_text(), "exit_code": report.exit_code},
        )
        return report
    finally:
        shutil.rmtree(path, ignore_errors=True)
        run_git(runner, "worktree", "prune", action="prune worktrees")
