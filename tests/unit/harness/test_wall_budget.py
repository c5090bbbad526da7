"""`RunBudget`'s wall meter: a resumed run's earlier stretches count toward `max_wall_s`."""

from __future__ import annotations

from harness.budget import RunBudget
from harness.config import BudgetConfig


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_fresh_budget_counts_only_this_process() -> None:
    clock = Clock()
    budget = RunBudget(BudgetConfig(max_wall_s=10), clock=clock)
    clock.now += 9
    assert budget.elapsed_s == 9 and not budget.wall_spent() and budget.spent() is None
    clock.now += 1
    assert budget.wall_spent() and budget.spent() == "time_limit"


def test_a_resumed_budget_starts_from_the_time_earlier_stretches_spent() -> None:
    clock = Clock()
    budget = RunBudget(BudgetConfig(max_wall_s=10), clock=clock, spent_before_s=7)
    assert budget.elapsed_s == 7 and not budget.wall_spent()
    clock.now += 3
    assert budget.wall_spent() and budget.spent() == "time_limit"
