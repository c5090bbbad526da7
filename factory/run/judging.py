"""The gate node's side of judging: a run's state turned into a `GateRequest`."""

from __future__ import annotations

from factory.gate.diff import parse_unified_diff
from factory.gate.judge import judge_change
from factory.gate.request import GateRequest
from factory.git.worktree import diff_against_base
from factory.run.run_context import RunContext
from factory.run.state import RunState
from harness.config import BudgetConfig
from policies.config import AutonomyLevel
from policies.models import (
    BudgetLimits,
    Decision,
    GateContext,
    ReviewSummary,
    RunCost,
    TestSummary,
    TicketSummary,
)

BUG_LABELS = {"bug", "defect", "regression"}


def judge_run(ctx: RunContext, state: RunState) -> tuple[GateContext, Decision]:
    """Every policy's verdict on the branch's change and the decision at the run's level,
    with the repository settings read from the base branch (`RunContext.repo`)."""
    labels = [label.lower() for label in state.ticket.labels]
    budget = ctx.deps.budget
    request = GateRequest(
        repo=state.repo,
        diff=parse_unified_diff(diff_against_base(ctx.worktree)),
        clone=ctx.worktree.clone,
        level=AutonomyLevel(state.level),
        settings=ctx.repo,
        ticket=TicketSummary(
            ref=state.ticket.ref,
            title=state.ticket.title,
            labels=labels,
            kind="bug" if BUG_LABELS.intersection(labels) else None,
        ),
        plan_summary=state.plan.summary if state.plan else "",
        tests=_tests(state),
        review=_review(state),
        cost=RunCost(
            usd=None if budget.unpriced_calls else round(budget.cost_usd, 6),
            tokens=budget.usage.total_tokens,
            wall_s=round(budget.elapsed_s, 3),
        ),
        budget=BudgetLimits(
            max_usd=_dollar_limit(budget.limits, budget.unpriced_calls),
            max_tokens=budget.limits.max_tokens,
            max_wall_s=budget.limits.max_wall_s,
        ),
    )
    judgement = judge_change(ctx.config, ctx.store, request)
    return judgement.context, judgement.decision


def _dollar_limit(limits: BudgetConfig, unpriced_calls: int) -> float | None:
    """The dollar limit the run had. A run over an unpriced model with no dollar limit chosen
    ran on its token limit (factory/config/prices.py): the default dollar figure was never
    its limit, so the `budget` policy must not report it as one it failed to enforce."""
    if unpriced_calls and "max_usd" not in limits.model_fields_set:
        return None
    return limits.max_usd


def _tests(state: RunState) -> TestSummary | None:
    report = state.last_test_report
    if report is None:
        return None
    return TestSummary(
        passed=report.green,
        newly_failing=list(report.newly_failing),
        fixed=list(report.fixed),
        still_failing=list(report.still_failing),
        new_tests_added=len(state.added_tests.tests_added) if state.added_tests else 0,
    )


def _review(state: RunState) -> ReviewSummary | None:
    if state.review is None:
        return None
    return ReviewSummary(
        verdict=state.review.verdict,
        findings=[f"{f.file}:{f.line or '?'} {f.message}" for f in state.review.findings],
    )
