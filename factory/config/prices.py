"""Which configured models have no price, and whether a run's dollar limit can be enforced.

A model without a price (a local model, a new release) is metered in tokens and its calls
cost "unknown", never $0. A dollar limit over such a model cannot be enforced, so a run with
one is refused at start unless a token limit, which can be, was set on purpose.
"""

from __future__ import annotations

from factory.config.settings import FactoryConfig
from factory.support.errors import FactoryError
from harness.config import AgentRole, BudgetConfig, ProviderConfig
from harness.pricing import PriceTable

ROLES: tuple[AgentRole, ...] = ("planner", "coder", "tester", "reviewer")


class UnenforceableBudget(FactoryError, ValueError):
    """A dollar limit over a model without a price, and no token limit set: say how to fix."""

    code = "config"


def unpriced_models(config: FactoryConfig, model_override: str | None = None) -> list[str]:
    """Names of the configured (non-replay) models that neither `[pricing]` nor the built-in
    table prices. A replayed cassette spends nothing and needs no price."""
    prices = PriceTable(config.pricing)
    names: list[str] = []
    for role in ROLES:
        chosen: ProviderConfig = config.models.for_role(role)
        if chosen.provider == "replay":
            continue
        name = model_override or chosen.model
        if prices.price_of(name) is None and name not in names:
            names.append(name)
    return names


def check_budget_enforceable(
    config: FactoryConfig, limits: BudgetConfig, model_override: str | None = None
) -> None:
    """Raise UnenforceableBudget when `limits.max_usd` cannot be kept: some model has no
    price and no token limit was set explicitly (the default token limit is not a choice)."""
    if "max_tokens" in limits.model_fields_set:
        return
    missing = unpriced_models(config, model_override)
    if not missing:
        return
    name = missing[0]
    raise UnenforceableBudget(
        f"model {name!r} has no price, so the ${limits.max_usd:.2f} budget cannot be "
        f'enforced: add [pricing."{name}"] with input and output (US dollars per million '
        "tokens), or set a token limit ([budgets] max_tokens) to run on tokens"
    )
