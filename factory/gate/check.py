"""Evaluate mode: judge a patch file with a repo's gate, without running anything.

Like GitHub's ruleset evaluate mode: every policy gives its verdict and the final decision
is computed, but nothing is pushed, merged or recorded.
"""

from datetime import datetime
from typing import Literal

from factory.config import FactoryConfig
from factory.gate.diff import parse_unified_diff
from factory.gate.judge import Judgement, judge_change
from factory.gate.request import GateRequest
from factory.store.store import Store
from policies.config import AutonomyLevel
from policies.models import ReviewSummary, TestSummary, TicketSummary

TestsFlag = Literal["pass", "fail"]
ReviewFlag = Literal["approve", "changes"]


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
) -> Judgement:
    """Every verdict and the decision for `patch_text` in `repo`. Raises ConfigError,
    DiffParseError or PolicyConfigError on bad input (each message says what to fix)."""
    request = GateRequest(
        repo=repo,
        diff=parse_unified_diff(patch_text),
        level=level,
        ticket=TicketSummary(ref="policy-check", labels=list(labels or [])),
        tests=_tests(tests),
        review=_review(review),
        now=now,
    )
    return judge_change(config, store, request)
