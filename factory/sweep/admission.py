"""Whether the next ticket may start: the stop signal, `--max-wall`, `--limit` and the budget.

An in-process sweep asks `SweepAdmission.refusal` before each start; the answer is a skip
reason with its sentence, or None. The budget rule is `budget.py`'s: what finished tickets
spent, plus the whole per-run limit of every ticket still running (`reserve` on start,
`settle` when it ends), plus the next ticket's limit, must stay within the sweep budget.
`plan_dry_run` applies the same limit and budget to the picks as if every run spent its limit.
"""

from __future__ import annotations

import threading
import time

from factory.config import FactoryConfig
from factory.run.batch_budget import Spend, SweepBudget, over_budget, per_run_limit
from factory.support.stopping import StopSignal
from factory.sweep.outcome import SweepRequest
from factory.sweep.recorded import MAX_WALL_PASSED
from factory.sweep.selection import Pick, Skip, SkipReason, skip

Refusal = tuple[SkipReason, str]
"""Why a ticket is not started: the reason and the sentence the report prints."""


def limit_reached(limit: int) -> str:
    return f"--limit {limit}: the sweep started {limit} already"


class SweepAdmission:
    """One sweep's start rules and the spend they count (safe to call from any thread)."""

    def __init__(
        self, config: FactoryConfig, request: SweepRequest, budget: SweepBudget, stop: StopSignal
    ) -> None:
        self.config = config
        self.request = request
        self.budget = budget
        self.stop = stop
        self.deadline = (
            time.monotonic() + request.max_wall_s if request.max_wall_s is not None else None
        )
        self.started = 0
        self._lock = threading.Lock()
        self._finished_spend = Spend()
        self._reserved: dict[str, Spend] = {}

    def should_stop(self) -> str | None:
        """Asked by every run at each node boundary, and before each start."""
        if self.stop.requested:
            return f"the sweep is stopping ({self.stop.reason})"
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return MAX_WALL_PASSED
        return None

    def refusal(self, pick: Pick) -> Refusal | None:
        """Why the next ticket must not start, or None."""
        reason = self.should_stop()
        if reason is not None:
            return SkipReason.STOPPED, reason
        limit = self.request.limit
        if limit is not None and self.started >= limit:
            return SkipReason.LIMIT, limit_reached(limit)
        with self._lock:
            committed = self._finished_spend
            for reserved in self._reserved.values():
                committed = committed.plus(reserved)
        too_much = over_budget(self.budget, committed, per_run_limit(self.config, pick.item.repo))
        if too_much is not None:
            return SkipReason.OVER_BUDGET, too_much
        return None

    def reserve(self, pick: Pick) -> None:
        """The ticket starts: its whole per-run limit counts until it ends."""
        self.started += 1
        with self._lock:
            self._reserved[pick.item.identity] = per_run_limit(self.config, pick.item.repo)

    def settle(self, pick: Pick, spent: Spend | None) -> None:
        """The ticket ended: what it spent counts instead of its limit (nothing if skipped)."""
        with self._lock:
            self._reserved.pop(pick.item.identity, None)
            if spent is not None:
                self._finished_spend = self._finished_spend.plus(spent)


def plan_dry_run(
    config: FactoryConfig, request: SweepRequest, budget: SweepBudget, picks: list[Pick]
) -> tuple[list[Pick], list[Skip]]:
    """The picks a sweep would start, if every run spent its whole per-run limit."""
    planned: list[Pick] = []
    later: list[Skip] = []
    committed = Spend()
    for index, pick in enumerate(picks):
        if request.limit is not None and len(planned) >= request.limit:
            detail = limit_reached(request.limit)
            later += [skip(p.item, SkipReason.LIMIT, detail) for p in picks[index:]]
            break
        limit = per_run_limit(config, pick.item.repo)
        reason = over_budget(budget, committed, limit)
        if reason is not None:
            later += [skip(p.item, SkipReason.OVER_BUDGET, reason) for p in picks[index:]]
            break
        committed = committed.plus(limit)
        planned.append(pick)
    return planned, later
