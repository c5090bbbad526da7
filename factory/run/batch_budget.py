"""The budget of many runs (a sweep, an eval): when to stop *starting* runs, and whether a
budget can be enforced.

Running tickets keep their own per-run budgets (`[budgets]`, or the repository's). Before a
ticket starts, the sweep adds what finished tickets spent, the whole per-run limit of every
ticket still running (it may yet spend all of it), and the next ticket's per-run limit; if
that passes the sweep budget the ticket is not started, so the sweep as a whole can never
spend more than its budget. A USD budget needs priced models: an unpriced model's cost is
unknown, not zero, so the sweep then asks for a token budget instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from factory.config import FactoryConfig
from factory.support.errors import FactoryError
from harness.pricing import PriceTable


class SweepBudgetError(FactoryError, ValueError):
    """The budget asked for cannot be enforced; the message says what to pass instead."""

    code = "bad_input"


class SweepBudget(BaseModel):
    model_config = ConfigDict(frozen=True)

    usd: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    tokens: int | None = Field(default=None, gt=0)

    @property
    def limited(self) -> bool:
        return self.usd is not None or self.tokens is not None


class Spend(BaseModel):
    """Dollars and tokens, spent or reserved."""

    usd: float = 0.0
    tokens: int = 0

    def plus(self, other: Spend) -> Spend:
        return Spend(usd=self.usd + other.usd, tokens=self.tokens + other.tokens)


def require_enforceable(
    budget: SweepBudget, model_names: Iterable[str], config: FactoryConfig
) -> None:
    """A USD budget with an unpriced model and no token budget is refused before work starts."""
    if budget.usd is None or budget.tokens is not None:
        return
    prices = PriceTable(config.pricing)
    unpriced = sorted({name for name in model_names if prices.price_of(name) is None})
    if unpriced:
        raise SweepBudgetError(
            f"--budget-usd cannot be enforced: model {', '.join(unpriced)} has no price "
            "(its cost is unknown, not $0); add it to [pricing] in factory.toml, or pass "
            "--budget-tokens N to bound the sweep by tokens instead"
        )


def per_run_limit(config: FactoryConfig, repo: str) -> Spend:
    limits = config.budget_for(repo)
    return Spend(usd=limits.max_usd, tokens=limits.max_tokens)


def over_budget(budget: SweepBudget, committed: Spend, next_limit: Spend) -> str | None:
    """Why the next ticket must not start (None when it may): the sentence the report prints."""
    if budget.usd is not None and committed.usd + next_limit.usd > budget.usd:
        return (
            f"${committed.usd:.2f} spent or reserved by this sweep plus the next ticket's "
            f"per-run limit of ${next_limit.usd:.2f} would pass the ${budget.usd:.2f} budget"
        )
    if budget.tokens is not None and committed.tokens + next_limit.tokens > budget.tokens:
        return (
            f"{committed.tokens} tokens spent or reserved by this sweep plus the next ticket's "
            f"per-run limit of {next_limit.tokens} would pass the {budget.tokens}-token budget"
        )
    return None
