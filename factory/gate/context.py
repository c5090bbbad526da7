"""Building the GateContext the policies read from a parsed diff, owners and the run's facts."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from policies.config import AutonomyLevel
from policies.models import (
    BudgetLimits,
    DiffSummary,
    GateContext,
    ReviewSummary,
    RunCost,
    TestSummary,
    TicketSummary,
    TrackRecord,
)


def build_gate_context(
    repo: str,
    diff: DiffSummary,
    *,
    level: AutonomyLevel,
    ticket: TicketSummary | None = None,
    plan_summary: str = "",
    tests: TestSummary | None = None,
    review: ReviewSummary | None = None,
    cost: RunCost | None = None,
    budget: BudgetLimits | None = None,
    track_record: TrackRecord | None = None,
    owners: Mapping[str, list[str]] | None = None,
    halt_reason: str | None = None,
    policy_sources: Sequence[str] = (),
    now: datetime | None = None,
) -> GateContext:
    """The context the policies read. `halt_reason` set means the repo is halted."""
    extra: dict[str, Any] = {}
    if ticket is not None:
        extra["ticket"] = ticket
    return GateContext(
        repo=repo,
        plan_summary=plan_summary,
        diff=diff,
        tests=tests,
        review=review,
        cost=cost or RunCost(),
        budget=budget or BudgetLimits(),
        level=level,
        track_record=track_record or TrackRecord(),
        owners=dict(owners or {}),
        halted=halt_reason is not None,
        halt_reason=halt_reason,
        policy_sources=list(policy_sources),
        now=now or datetime.now(UTC),
        **extra,
    )
