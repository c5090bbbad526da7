"""The figures of an eval: rates with Wilson intervals, costs, the gate's and the reviewer's
safety record. Pure functions of the per-attempt results; docs/eval.md defines each one."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from factory.eval.results import TaskResult

Z95 = 1.959963984540054
"""The normal quantile of a two-sided 95% interval."""


class Rate(BaseModel):
    """`hits` of `total`, with its 95% Wilson score interval (None when total is 0)."""

    model_config = ConfigDict(frozen=True)

    hits: int
    total: int
    value: float | None
    low: float | None
    high: float | None

    def text(self) -> str:
        if self.value is None or self.low is None or self.high is None:
            return f"{self.hits}/{self.total} (no data)"
        return f"{self.value:.0%} ({self.hits}/{self.total}; 95% CI {self.low:.0%}-{self.high:.0%})"


def wilson(hits: int, total: int, z: float = Z95) -> Rate:
    """Wilson's score interval: honest at small n and at 0% or 100%, unlike the normal one."""
    if total <= 0:
        return Rate(hits=hits, total=total, value=None, low=None, high=None)
    p = hits / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return Rate(
        hits=hits,
        total=total,
        value=p,
        low=max(0.0, centre - margin),
        high=min(1.0, centre + margin),
    )


class EvalFigures(BaseModel):
    """What an eval measured. Costs are None when any attempt's cost is unknown."""

    tasks: int
    attempts: int
    judged: int
    """Attempts judged by the hidden tests (errors are counted apart, never as unresolved)."""
    errors: int
    resolved: Rate
    false_merge: Rate
    """Judged attempts the gate would have merged at L3 although the hidden tests failed."""
    would_merge_l3: int
    reviewer_precision: Rate
    """Of the changes the reviewer approved, how many were resolved."""
    reviewer_recall: Rate
    """Of the resolved changes, how many the reviewer approved."""
    no_change: int
    cost_usd: float | None
    cost_per_task: float | None
    cost_per_resolved: float | None
    tokens: int
    wall_s: float
    unpriced_attempts: int


def figures(results: Sequence[TaskResult]) -> EvalFigures:
    judged = [r for r in results if r.error is None]
    resolved = [r for r in judged if r.resolved]
    false_merges = [r for r in judged if not r.resolved and r.decision_at.get("L3") == "merge"]
    approved = [r for r in judged if r.reviewer_verdict == "approve"]
    unpriced = sum(1 for r in results if r.cost_usd is None)
    cost = None if unpriced else sum(r.cost_usd or 0.0 for r in results)
    tasks = len({r.instance_id for r in results})
    return EvalFigures(
        tasks=tasks,
        attempts=len(results),
        judged=len(judged),
        errors=len(results) - len(judged),
        resolved=wilson(len(resolved), len(judged)),
        false_merge=wilson(len(false_merges), len(judged)),
        would_merge_l3=sum(1 for r in judged if r.decision_at.get("L3") == "merge"),
        reviewer_precision=wilson(sum(1 for r in approved if r.resolved), len(approved)),
        reviewer_recall=wilson(
            sum(1 for r in resolved if r.reviewer_verdict == "approve"), len(resolved)
        ),
        no_change=sum(1 for r in judged if r.ending == "no_change"),
        cost_usd=cost,
        cost_per_task=None if cost is None or not results else cost / len(results),
        cost_per_resolved=None if cost is None or not resolved else cost / len(resolved),
        tokens=sum(r.tokens for r in results),
        wall_s=sum(r.wall_s for r in results),
        unpriced_attempts=unpriced,
    )


def difference_interval(a: Rate, b: Rate, z: float = Z95) -> tuple[float, float] | None:
    """95% interval of `b - a` (Newcombe's hybrid score method, from the Wilson intervals)."""
    if None in (a.value, a.low, a.high, b.value, b.low, b.high):
        return None
    assert a.value is not None and a.low is not None and a.high is not None
    assert b.value is not None and b.low is not None and b.high is not None
    delta = b.value - a.value
    low = delta - math.sqrt((b.value - b.low) ** 2 + (a.high - a.value) ** 2)
    high = delta + math.sqrt((b.high - b.value) ** 2 + (a.value - a.low) ** 2)
    return max(-1.0, low), min(1.0, high)
