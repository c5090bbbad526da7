"""The gate's one seam: a run's state in, the policies' decision out.

It judges through `judge_change`, the same path `factory policy check` takes, with the
repository settings read from the base branch (`RunContext.repo`), never the run's branch.
"""

from __future__ import annotations

from factory.gate_context import parse_unified_diff
from factory.gate_judge import judge_change
from factory.run_context import RunContext
from factory.state import RunState
from factory.track_record import gather_track_record
from factory.worktree_ops import diff_against_base
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


def decide(ctx: RunContext, state: RunState) -> tuple[GateContext, Decision]:
    """Every policy's verdict on the branch's change and the decision at the run's level."""
    labels = [label.lower() for label in state.ticket.labels]
    budget = ctx.deps.budget
    judgement = judge_change(
        ctx.config,
        ctx.store,
        state.repo,
        parse_unified_diff(diff_against_base(ctx.worktree)),
        clone=ctx.worktree.clone,
        level=AutonomyLevel(state.level),
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
            usd=round(budget.cost_usd, 6),
            tokens=budget.usage.total_tokens,
            wall_s=round(budget.elapsed_s, 3),
        ),
        budget=BudgetLimits(
            max_usd=budget.limits.max_usd,
            max_tokens=budget.limits.max_tokens,
            max_wall_s=budget.limits.max_wall_s,
        ),
        settings=ctx.repo,
        track_record=gather_track_record(
            ctx.store, state.repo, ctx.worktree.clone, state.base_branch
        ),
    )
    return judgement.context, judgement.decision
