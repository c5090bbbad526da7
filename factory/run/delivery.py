"""Deliver acts on the gate's decision through the forge. Every step here is repeatable.

Pushing the same branch again is a no-op, opening a pull request finds the branch's existing
one first, and merging a merged pull request returns its merge commit: a run resumed after a
crash in the middle of delivery never makes a second branch, pull request or merge.
"""

from __future__ import annotations

import json
from typing import Any

from factory.forges.base import MergeBlocked, PullRequestInfo, PullRequestRequest
from factory.forges.branches import branch_head
from factory.gate.owners import reviewer_names
from factory.git import GitError, ensure_clone
from factory.git.rebase import contains
from factory.run.checks_wait import checks_before_merge
from factory.run.pr_body import pull_request_body, pull_request_title
from factory.run.round_records import delivered_round, round_open
from factory.run.run_context import RunContext
from factory.run.state import RunState
from factory.support import failpoints
from factory.support.markdown import block, fenced, inline
from harness.redact import redact_text
from policies.models import DecisionKind


def deliver(ctx: RunContext, state: RunState) -> dict[str, Any]:
    """Comment the plan (L0), refuse, or push and open the pull request (a draft when a human
    must look), request reviewers, and merge when the decision allows. Idempotent through the
    forge: a repeated delivery finds the branch, the pull request and the merge it made."""
    decision = state.decision
    assert decision is not None
    kind = decision.decision
    if kind == DecisionKind.PLAN_ONLY:
        return _post_plan(ctx, state)
    if kind == DecisionKind.REFUSE:
        ctx.event("run.refused", {"reasons": decision.reasons})
        reasons = "\n".join(f"- {inline(reason)}" for reason in decision.reasons)
        _tell_ticket(ctx, state, "refused", f"agent-factory will not change this: \n{reasons}")
        return {"ending": "refused", "error": "; ".join(decision.reasons)}

    pr = _open_pull_request(ctx, state, draft=decision.draft or kind == DecisionKind.NEEDS_HUMAN)
    if round_open(state):
        # A follow-up round: new commits on the same branch and pull request, then its log
        # entry and replies. Reviewers were asked when the pull request opened.
        result = _act_on_decision(ctx, state, pr, kind)
        head = ctx.forge.get_pull_request(pr.number).head_sha
        return {**result, **delivered_round(ctx, state, pr.number, head, result)}
    if decision.request_reviews_from:
        ctx.forge.request_reviewers(pr.number, reviewer_names(decision.request_reviews_from))
    _tell_ticket(ctx, state, "delivered", _delivery_note(state, pr))
    return _act_on_decision(ctx, state, pr, kind)


def _act_on_decision(
    ctx: RunContext, state: RunState, pr: PullRequestInfo, kind: DecisionKind
) -> dict[str, Any]:
    """Leave the pull request open, wait for a person, or merge, as the gate decided."""
    update: dict[str, Any] = {"pr_number": pr.number, "pr_url": pr.url}
    if kind == DecisionKind.PULL_REQUEST:
        return {**update, "ending": "pr_open"}
    if kind == DecisionKind.NEEDS_HUMAN:
        ctx.event("run.waiting", {"for": "approval", "pr": pr.number})
        return update  # the graph goes on to await_approval
    moved = base_moved(ctx, state)
    if moved is not None:
        # Tested and judged against a base that is no longer the base: never merged as is.
        # The maintenance pass brings it up to date, tests and judges it again, then merges.
        ctx.event("merge.deferred", {"pr": pr.number, "reason": moved})
        return {**update, "ending": "pr_open"}
    waiting = checks_before_merge(
        ctx, state, pr, ctx.forge.get_pull_request(pr.number).head_sha or ""
    )
    if waiting is not None:
        return {**update, **waiting}
    try:
        sha = ctx.forge.merge(pr.number)
    except MergeBlocked as blocked:
        ctx.event("merge.blocked", {"pr": pr.number, "reason": str(blocked)})
        return update  # a human must satisfy the forge's rule: wait for approval
    ctx.event("merge.done", {"pr": pr.number, "sha": sha, "by": "factory"})
    ctx.store.runs.update(ctx.run_id, outcome=f"merged as {sha[:12]}")
    return {**update, "merged_sha": sha, "ending": "merged"}


def base_moved(ctx: RunContext, state: RunState) -> str | None:
    """Why the branch is behind its base on the forge now (None when it is not, or when the
    forge cannot be read: then the forge's own merge rules decide)."""
    source, env = ctx.forge.clone_source()
    clone = ctx.worktree.clone
    try:
        ensure_clone(source, clone.parent, env=env)
        base_head = branch_head(clone, state.base_branch)
        if base_head is None or contains(clone, base_head, f"refs/heads/{state.branch}"):
            return None
    except GitError:
        return None
    return (
        f"{state.base_branch} moved to {base_head[:12]} since the change was tested on "
        f"{state.base_sha[:12]}"
    )


def report_no_change(ctx: RunContext, state: RunState) -> dict[str, Any]:
    """The branch equals its base: push nothing, open nothing, say why on the ticket once."""
    explanation = _no_change_explanation(state)
    ctx.event("run.no_change", {"base_sha": state.base_sha, "explanation": explanation})
    note = (
        f"agent-factory made no change for this issue: the branch ended equal to "
        f"{state.base_branch}, so nothing was pushed and no pull request was opened.\n\n"
        + block(explanation)
    )
    _tell_ticket(ctx, state, "no_change", note)
    return {"ending": "no_change", "error": f"no change to deliver: {explanation}"[:500]}


def _no_change_explanation(state: RunState) -> str:
    """What the agents said they did, which is where a reader learns why nothing changed."""
    said = [f"Coder: {change.summary}" for change in state.changes[-1:]]
    if state.added_tests is not None:
        said.append(f"Tester: {state.added_tests.summary}")
    if state.review is not None and state.review.summary:
        said.append(f"Reviewer: {state.review.summary}")
    return "\n".join(said) or "The agents gave no account."


def merge_approved(
    ctx: RunContext, state: RunState, *, by: str, comment: str | None
) -> dict[str, Any]:
    """A person approved the waiting change: mark the PR ready and merge it."""
    assert state.pr_number is not None
    ctx.event("approval.approved", {"pr": state.pr_number, "comment": comment}, actor=by)
    # needs_human PRs open as drafts, and a forge refuses to merge a draft (GitHub: 405).
    ready = ctx.forge.mark_ready(state.pr_number)
    ctx.event("pr.ready", {"pr": state.pr_number, "status": ready.status})
    if comment:
        ctx.forge.comment(state.pr_number, f"Approved by {inline(by)}: {block(comment)}")
    moved = base_moved(ctx, state)
    if moved is not None:
        # What was approved was tested on a base that is no longer the base: the maintenance
        # pass updates the branch and tests it again, and the gate asks again if it must.
        ctx.event("merge.deferred", {"pr": state.pr_number, "reason": moved})
        ctx.forge.comment(
            state.pr_number,
            f"Approved by {inline(by)}, but not merged yet: {inline(moved)}. agent-factory "
            "brings the branch up to date and runs the tests and the gate again first.",
        )
        return {"ending": "pr_open"}
    try:
        sha = ctx.forge.merge(state.pr_number)
    except MergeBlocked as blocked:
        ctx.event("merge.blocked", {"pr": state.pr_number, "reason": str(blocked)})
        return {"ending": "needs_human", "error": str(blocked)}
    ctx.event("merge.done", {"pr": state.pr_number, "sha": sha, "by": by})
    _tell_ticket(ctx, state, "merged", f"Pull request #{state.pr_number} was merged ({sha[:12]}).")
    return {"merged_sha": sha, "ending": "merged"}


def close_rejected(ctx: RunContext, state: RunState, *, by: str, reason: str) -> dict[str, Any]:
    """A person rejected the change: record who and why, say so on the PR, and close it."""
    assert state.pr_number is not None
    ctx.event("approval.rejected", {"pr": state.pr_number, "reason": reason}, actor=by)
    said = block(reason) if reason else "(no reason given)"
    ctx.forge.comment(state.pr_number, f"Rejected by {inline(by)}: {said}")
    ctx.forge.close(state.pr_number)
    return {"ending": "rejected", "error": reason or None}


def _open_pull_request(ctx: RunContext, state: RunState, *, draft: bool) -> PullRequestInfo:
    pushed = ctx.forge.push_branch(ctx.worktree.clone, state.branch)
    ctx.event("git.push", {"branch": state.branch, "sha": pushed})
    failpoints.hit("deliver:pushed")
    existing = ctx.forge.find_pull_request(state.branch)
    if existing is not None:
        ctx.event("pr.reused", {"number": existing.number})
        return existing
    pr = ctx.forge.open_pull_request(
        PullRequestRequest(
            head_branch=state.branch,
            base_branch=state.base_branch,
            title=pull_request_title(state),
            # Model output is quoted in the body: a secret it picked up is masked, not posted.
            body=redact_text(pull_request_body(state, ctx.run_id)),
            draft=draft,
            run_id=ctx.run_id,
        )
    )
    ctx.event("pr.opened", {"number": pr.number, "url": pr.url, "draft": pr.draft})
    failpoints.hit("deliver:opened")
    return pr


def _post_plan(ctx: RunContext, state: RunState) -> dict[str, Any]:
    """L0: nothing is pushed; the plan goes where the ticket came from."""
    assert state.plan is not None
    plan = fenced(state.plan.model_dump_json(indent=2), "json")
    text = "agent-factory plan (autonomy L0: plan only)\n\n" + plan
    _tell_ticket(ctx, state, "plan", text)
    return {"ending": "plan_only"}


def _tell_ticket(ctx: RunContext, state: RunState, purpose: str, text: str) -> None:
    """Comment on the ticket once per purpose (a GitHub issue; a local ticket keeps the event).

    The event is the memory: a delivery repeated after a crash finds it and stays quiet.
    """
    for event in ctx.store.events.read(ctx.run_id):
        if event.kind == "ticket.comment" and json.loads(event.payload).get("purpose") == purpose:
            return
    text = redact_text(text)
    if (
        state.ticket.source == "github"
        and state.ticket.key.isascii()
        and state.ticket.key.isdigit()
    ):
        ctx.forge.comment(int(state.ticket.key), text)
    ctx.event("ticket.comment", {"ref": state.ticket.ref, "purpose": purpose, "text": text})


def _delivery_note(state: RunState, pr: PullRequestInfo) -> str:
    decision = state.decision
    assert decision is not None
    plan = state.plan.summary if state.plan else "(no plan)"
    report = state.last_test_report
    lines = [
        f"agent-factory opened pull request #{pr.number} for this issue"
        + (f": {pr.url}" if pr.url else "."),
        "",
        f"Plan: {inline(plan)}",
        f"Tests: {inline(report.summary_text()) if report else 'not run'}",
        f"Gate: {decision.decision.value} at {decision.level.value}",
        *[f"- {inline(reason)}" for reason in decision.reasons],
    ]
    return "\n".join(lines)
