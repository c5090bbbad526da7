"""The gate's one seam: a run's state in, the policies' decision out.

The policies, protected paths and autonomy range come from the configuration read from the
base branch (`RunContext.repo`), never from the run's own branch.
"""

from __future__ import annotations

from factory.gate_context import build_gate_context, parse_unified_diff, read_owners
from factory.repo_policies import repo_policies, risk_rule
from factory.run_context import RunContext
from factory.state import RunState
from factory.track_record import gather_track_record
from factory.worktree_ops import diff_against_base
from policies.config import AutonomyLevel
from policies.engine import evaluate_gate
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


def gate_context(ctx: RunContext, state: RunState) -> GateContext:
    worktree = ctx.worktree
    diff = parse_unified_diff(diff_against_base(worktree))
    report = state.last_test_report
    tests = (
        TestSummary(
            passed=report.green,
            newly_failing=list(report.newly_failing),
            fixed=list(report.fixed),
            still_failing=list(report.still_failing),
            new_tests_added=len(state.added_tests.tests_added) if state.added_tests else 0,
        )
        if report is not None
        else None
    )
    review = (
        ReviewSummary(
            verdict=state.review.verdict,
            findings=[f"{f.file}:{f.line or '?'} {f.message}" for f in state.review.findings],
        )
        if state.review is not None
        else None
    )
    labels = [label.lower() for label in state.ticket.labels]
    budget = ctx.deps.budget
    halt = ctx.store.is_halted(state.repo)
    return build_gate_context(
        state.repo,
        diff,
        level=AutonomyLevel(state.level),
        ticket=TicketSummary(
            ref=state.ticket.ref,
            title=state.ticket.title,
            labels=labels,
            kind="bug" if BUG_LABELS.intersection(labels) else None,
        ),
        plan_summary=state.plan.summary if state.plan else "",
        tests=tests,
        review=review,
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
        track_record=gather_track_record(
            ctx.store, state.repo, worktree.clone, state.base_branch, ()
        ),
        owners=read_owners(worktree.clone, f"origin/{state.base_branch}", diff.touched_paths),
        halt_reason=halt.reason if halt is not None else None,
    )


def decide(ctx: RunContext, state: RunState) -> tuple[GateContext, Decision]:
    """Every policy's verdict on the change and the decision at the run's level."""
    context = gate_context(ctx, state)
    policies = repo_policies(ctx.repo, ctx.worktree.clone)
    return context, evaluate_gate(context, policies, risk_rule(ctx.repo))
