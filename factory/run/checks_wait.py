"""Before the factory merges its own pull request (L2, L3): the forge's required checks.

The sandbox suite said green; the forge's CI must say so too. Read on the pushed head:
- green (or the repository has no check at all): the gate judges again with the checks
  (`factory/gate/checks_rejudge.py`), and the merge goes on when it still says merge;
- pending or failing: no merge. The run keeps its pull request open, "waiting for checks";
  the next maintenance pass (`factory/pulls/ci.py`) merges once they are green, or starts a
  fix round when they fail. That is not a question for a person, so it is not needs_human.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from factory.forges.base import ForgeError, PullRequestInfo
from factory.forges.build import forge_checks
from factory.forges.checks import CheckRun, read_checks, summarize_checks
from factory.forges.local_checks import LocalChecks
from factory.gate.checks_rejudge import rejudge_with_checks
from factory.run.run_context import RunContext
from factory.run.state import RunState
from factory.store import Store
from policies.models import DecisionKind

WAITING_FOR_CHECKS = "waiting for checks"


def ci_read_payload(sha: str, state: str, checks: Sequence[CheckRun]) -> dict[str, Any]:
    """The `ci.read` event's payload (issue 21 contract), one shape for every reader."""
    return {
        "sha": sha,
        "state": state,
        "checks": [
            {"name": check.name, "conclusion": check.conclusion, "required": check.required}
            for check in checks
        ],
    }


def record_ci_read(store: Store, run_id: str, payload: dict[str, Any]) -> None:
    """`ci.read`, unless the last read of the same head said exactly this (a resumed delivery,
    a maintenance pass on an unchanged head)."""
    for event in reversed(store.events.read(run_id)):
        if event.kind == "ci.read":
            before = json.loads(event.payload)
            if before.get("sha") == payload["sha"]:
                if before == payload:
                    return
                break
    store.events.append(run_id, "ci.read", "system", payload)


def checks_before_merge(
    ctx: RunContext, state: RunState, pr: PullRequestInfo, sha: str
) -> dict[str, Any] | None:
    """None when the merge may go on; else the state update that leaves the run waiting."""
    source = forge_checks(ctx.config, state.repo, ctx.repo, ctx.forge)
    if source is None or not sha:
        return None
    report = state.last_test_report
    if isinstance(source, LocalChecks) and report is not None:
        # On the local forge the test command is the CI, and the run just ran it on this
        # very commit (judged against the base, as the gate reads it): not run twice.
        source.record(sha, "test", "success" if report.green else "failure", report.output_tail)
    try:
        checks = read_checks(source, sha, state.base_branch, ctx.repo.required_checks)
    except ForgeError as error:
        ctx.event("ci.unreadable", {"sha": sha, "reason": str(error)[:500]})
        return _waiting(ctx, pr, sha, "pending", f"the checks could not be read ({error})")
    summary = summarize_checks(sha, checks)
    record_ci_read(ctx.store, ctx.run_id, ci_read_payload(sha, summary.state, checks))
    if summary.state == "pending":
        return _waiting(ctx, pr, sha, "pending", ", ".join(summary.pending) + " pending")
    if summary.state == "failing":
        return _waiting(ctx, pr, sha, "failing", ", ".join(summary.failing) + " failing")
    if summary.state == "none":
        return None  # the repository has no CI on the forge: the sandbox suite alone decides
    judged = rejudge_with_checks(ctx.store, ctx.run_id, ctx.repo, summary, clone=ctx.worktree.clone)
    if judged is None or judged[1].decision == DecisionKind.MERGE:
        return None
    decision = judged[1]
    return {"decision": decision, "ending": "pr_open", "error": "; ".join(decision.reasons)}


def _waiting(
    ctx: RunContext, pr: PullRequestInfo, sha: str, state: str, detail: str
) -> dict[str, Any]:
    ctx.event("run.waiting", {"for": "checks", "pr": pr.number, "sha": sha, "state": state})
    return {"ending": "pr_open", "error": f"{WAITING_FOR_CHECKS}: {detail}"[:500]}
