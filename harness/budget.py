"""`RunBudget`: the steps, tokens, dollars and wall time all agents of one run share."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

from harness.config import BudgetConfig
from harness.messages import Usage

LimitReason = Literal["step_limit", "token_limit", "cost_limit", "time_limit", "halted"]
Interrupt = Callable[[], "str | None"]
"""Asked before every model call: a reason stops the agent (stop reason `halted`)."""


class RunBudget:
    """Shared, thread-safe meter. The loop asks `spent()` before every model call.

    Calls whose price is unknown count toward tokens and steps but not dollars;
    `unpriced_calls` says how many, so a report can say the dollar figure is a lower bound.
    `spent_before_s` is the wall time earlier stretches of a resumed run already used: the
    wall limit covers the run's whole life, not one process. `interrupt` is what the run's
    owner adds (the factory: a spend limit that halted the run's scope); its reason is kept in
    `interrupted`.
    """

    def __init__(
        self,
        limits: BudgetConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        spent_before_s: float = 0.0,
        interrupt: Interrupt | None = None,
    ) -> None:
        self.limits = limits
        self.interrupt = interrupt
        self.interrupted: str | None = None
        self._clock = clock
        self._started = clock() - spent_before_s
        self._lock = threading.Lock()
        self.steps = 0
        self.usage = Usage()
        self.cost_usd = 0.0
        self.unpriced_calls = 0

    @property
    def elapsed_s(self) -> float:
        return self._clock() - self._started

    def charge(self, usage: Usage, cost_usd: float | None) -> None:
        """Record one model call."""
        with self._lock:
            self.steps += 1
            self.usage = self.usage + usage
            if cost_usd is None:
                self.unpriced_calls += 1
            else:
                self.cost_usd += cost_usd

    def spent(self) -> LimitReason | None:
        """The first exhausted limit, or None while there is room for another model call."""
        with self._lock:
            if self.steps >= self.limits.max_steps:
                return "step_limit"
            if self.usage.total_tokens >= self.limits.max_tokens:
                return "token_limit"
            if self.cost_usd >= self.limits.max_usd:
                return "cost_limit"
        if self.wall_spent():
            return "time_limit"
        if self.interrupt is not None:
            self.interrupted = self.interrupt()
            if self.interrupted is not None:
                return "halted"
        return None

    def wall_spent(self) -> bool:
        """Whether the run's wall time is used up (the graph checks this between nodes)."""
        return self.elapsed_s >= self.limits.max_wall_s
