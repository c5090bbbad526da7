"""Evaluate mode: judge a patch file with a repo's gate, without running anything.

Like GitHub's ruleset evaluate mode: every policy gives its verdict and the final decision
is computed, but nothing is pushed, merged or recorded.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from factory.autonomy_status import assess_repo
from factory.config import FactoryConfig
from factory.gate_context import build_gate_context, parse_unified_diff, read_owners
from factory.repo_policies import repo_policies, risk_rule
from factory.store.store import Store
from policies.autonomy import Assessment
from policies.config import AutonomyLevel
from policies.engine import evaluate_gate, repo_policy_paths
from policies.models import Decision, GateContext, ReviewSummary, TestSummary, TicketSummary

TestsFlag = Literal["pass", "fail"]
ReviewFlag = Literal["approve", "changes"]


@dataclass(frozen=True)
class CheckResult:
    decision: Decision
    context: GateContext
    assessment: Assessment | None
    """The earned level when `--level` was not given."""


def _tests(flag: TestsFlag) -> TestSummary:
    if flag == "pass":
        return TestSummary(passed=True)
    return TestSummary(passed=False, newly_failing=["(reported failing by --tests fail)"])


def _review(flag: ReviewFlag) -> ReviewSummary:
    if flag == "approve":
        return ReviewSummary(verdict="approve")
    return ReviewSummary(verdict="request_changes", findings=["(reported by --review changes)"])


def check_patch(
    config: FactoryConfig,
    store: Store,
    repo: str,
    patch_text: str,
    *,
    tests: TestsFlag = "pass",
    review: ReviewFlag = "approve",
    level: AutonomyLevel | None = None,
    labels: list[str] | None = None,
    now: datetime | None = None,
) -> CheckResult:
    """Every verdict and the decision for `patch_text` in `repo`. Raises ConfigError,
    DiffParseError or PolicyConfigError on bad input (each message says what to fix)."""
    settings = config.repo(repo)
    diff = parse_unified_diff(patch_text)
    moment = now or datetime.now(UTC)
    assessment = None if level is not None else assess_repo(config, store, repo, now=moment)
    effective = level or (assessment.level if assessment else settings.autonomy.min)
    clone = settings.path
    owners = read_owners(clone, settings.base_branch, diff.touched_paths) if clone else {}
    halt = store.is_halted(repo)
    policies = repo_policies(settings, clone)
    ctx = build_gate_context(
        repo,
        diff,
        level=effective,
        ticket=TicketSummary(ref="policy-check", labels=list(labels or [])),
        tests=_tests(tests),
        review=_review(review),
        owners=owners,
        halt_reason=halt.reason if halt else None,
        policy_sources=repo_policy_paths(settings.policies),
        now=moment,
    )
    decision = evaluate_gate(ctx, policies, risk_rule(settings))
    return CheckResult(decision=decision, context=ctx, assessment=assessment)
