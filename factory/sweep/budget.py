"""Moved to `factory.run.batch_budget`, below both the sweep and the eval, which share it;
this name stays until every branch imports the new one."""

from factory.run.batch_budget import (
    Spend,
    SweepBudget,
    SweepBudgetError,
    over_budget,
    per_run_limit,
    require_enforceable,
)

__all__ = [
    "Spend",
    "SweepBudget",
    "SweepBudgetError",
    "over_budget",
    "per_run_limit",
    "require_enforceable",
]
