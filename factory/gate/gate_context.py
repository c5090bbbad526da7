"""Building the GateContext the policies read from a request and what the judge found out."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from factory.gate.request import GateRequest
from policies.config import AutonomyLevel
from policies.models import BudgetLimits, GateContext, RunCost, TrackRecord


def build_gate_context(
    request: GateRequest,
    *,
    level: AutonomyLevel,
    now: datetime,
    track_record: TrackRecord | None = None,
    owners: Mapping[str, list[str]] | None = None,
    halt_reason: str | None = None,
    policy_sources: Sequence[str] = (),
) -> GateContext:
    """The context the policies read. `halt_reason` set means the repo is halted."""
    extra: dict[str, Any] = {}
    if request.ticket is not None:
        extra["ticket"] = request.ticket
    return GateContext(
        repo=request.repo,
        plan_summary=request.plan_summary,
        diff=request.diff,
        tests=request.tests,
        review=request.review,
        cost=request.cost or RunCost(),
        budget=request.budget or BudgetLimits(),
        level=level,
        track_record=track_record or TrackRecord(),
        owners=dict(owners or {}),
        halted=halt_reason is not None,
        halt_reason=halt_reason,
        policy_sources=list(policy_sources),
        now=now,
        **extra,
    )
