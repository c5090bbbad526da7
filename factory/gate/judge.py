"""Judging one change with a repository's real gate: the single path shared by a run's gate
node and `factory policy check`, so evaluate mode decides exactly as a run would.

Everything that governs the decision comes from the base branch or the store: policy
sources and owners from `clone` at the base branch, halts and the earned level from the
store. The caller appends `gate_decision_payload(judgement.context, judgement.decision)`
as a `gate.decision` event, and the assessment's `level_change_event()` when not None.

`judge_run` is the gate node's side of the same path: it turns a run's state into the gate's
inputs, with the repository settings read from the base branch (`RunContext.repo`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from factory.config import FactoryConfig, RepoConfig
from factory.gate.context import build_gate_context
from factory.gate.diff import parse_unified_diff
from factory.gate.owners import read_owners
from factory.gate.repo_policies import repo_policies, risk_rule
from factory.git.worktree import diff_against_base
from factory.governance.autonomy import assess_repo
from factory.governance.track_record import gather_track_record
from factory.store.store import Store
from policies.autonomy import Assessment
from policies.config import AutonomyLevel
from policies.evaluation import evaluate_gate, repo_policy_paths
from policies.models import (
    BudgetLimits,
    Decision,
    DiffSummary,
    GateContext,
    ReviewSummary,
    RunCost,
    TestSummary,
    TicketSummary,
    TrackRecord,
)

if TYPE_CHECKING:
    from factory.run.context import RunContext
    from factory.run.state import RunState


@dataclass(frozen=True)
class Judgement:
    decision: Decision
    context: GateContext
    assessment: Assessment | None
    """The earned level, when no level was imposed by the caller."""


def judge_change(
    config: FactoryConfig,
    store: Store,
    repo: str,
    diff: DiffSummary,
    *,
    clone: Path | None = None,
    level: AutonomyLevel | None = None,
    ticket: TicketSummary | None = None,
    plan_summary: str = "",
    tests: TestSummary | None = None,
    review: ReviewSummary | None = None,
    cost: RunCost | None = None,
    budget: BudgetLimits | None = None,
    now: datetime | None = None,
    settings: RepoConfig | None = None,
    track_record: TrackRecord | None = None,
) -> Judgement:
    """Every verdict and the decision for `diff` in `repo`.

    `clone` is the repository to read the base branch from (default: the repo's configured
    local `path`; a GitHub repo without a clone gets no owners and its file policies fail
    closed). `level` None means the level earned from the track record. `settings` replaces
    the operator's `[repos.<repo>]` (a run passes the one narrowed by the base branch).
    Raises ConfigError (unknown repo) or PolicyConfigError (bad policy listing)."""
    settings = settings or config.repo(repo)
    source = clone or settings.path
    moment = now or datetime.now(UTC)
    assessment = None if level is not None else assess_repo(config, store, repo, now=moment)
    effective = level or (assessment.level if assessment else settings.autonomy.min)
    owners = read_owners(source, settings.base, diff.touched_paths) if source else {}
    halt = store.halts.for_repo(repo)
    halt_reason = f"{halt.reason} (by {halt.by}, scope {halt.scope})" if halt else None
    ctx = build_gate_context(
        repo,
        diff,
        level=effective,
        ticket=ticket,
        plan_summary=plan_summary,
        tests=tests,
        review=review,
        cost=cost,
        budget=budget,
        owners=owners,
        track_record=track_record,
        halt_reason=halt_reason,
        policy_sources=repo_policy_paths(settings.policies),
        now=moment,
    )
    decision = evaluate_gate(ctx, repo_policies(settings, source), risk_rule(settings))
    return Judgement(decision=decision, context=ctx, assessment=assessment)


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


def judge_run(ctx: RunContext, state: RunState) -> tuple[GateContext, Decision]:
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
            usd=None if budget.unpriced_calls else round(budget.cost_usd, 6),
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
            ctx.store.pull_requests, state.repo, ctx.worktree.clone, state.base_branch
        ),
    )
    return judgement.context, judgement.decision
