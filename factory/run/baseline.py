"""The suite on the base commit, run once per (base sha, test command) and cached.

It runs in its own throwaway checkout and sandbox, so the run's worktree is never disturbed.
"""

from __future__ import annotations

from contextlib import ExitStack

from agents.test_report import BaselineCache, TestReport, run_test_suite
from agents.tester import test_command
from factory.git.command import GitError
from factory.git.worktree import detached_checkout
from factory.run.run_context import MeteredSandbox, RunContext


def baseline_report(ctx: RunContext, base_sha: str) -> TestReport | None:
    """The base commit's report; None when it cannot be had (then every failure counts as new)."""
    command = test_command(ctx.deps)
    cache = BaselineCache(ctx.data_dir / "baselines")
    cached = cache.get(base_sha, command)
    if cached is not None or ctx.baseline_sandbox is None:
        return cached
    path = ctx.data_dir / "baseline-checkouts" / f"{ctx.run_id}-{base_sha[:12]}"
    with ExitStack() as stack:
        try:
            stack.enter_context(detached_checkout(ctx.worktree.clone, base_sha, path))
        except GitError as error:
            ctx.event("tests.baseline_unavailable", {"reason": str(error)})
            return None
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
