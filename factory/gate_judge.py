"""Judging one change with a repository's real gate: the single path shared by a run's gate
node and `factory policy check`, so evaluate mode decides exactly as a run would.

Everything that governs the decision comes from the base branch or the store: policy
sources and owners from `clone` at the base branch, halts and the earned level from the
store. The caller appends `gate_decision_payload(judgement.context, judgement.decision)`
as a `gate.decision` event, and the assessment's `level_change_event()` when not None.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from factory.autonomy_status import assess_repo
from factory.config import FactoryConfig, RepoConfig
from factory.gate_context import build_gate_context, read_owners
from factory.repo_policies import repo_policies, risk_rule
from factory.store.store import Store
from policies.autonomy import Assessment
from policies.config import AutonomyLevel
from policies.engine import evaluate_gate, repo_policy_paths
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
    owners = read_owners(source, settings.base_branch, diff.touched_paths) if source else {}
    halt = store.is_halted(repo)
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
