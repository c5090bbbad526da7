"""Which configured models have no price, and what a run's budget is then.

A model without a price (a local model, a new release) is metered in tokens and its calls
cost "unknown", never $0. Such a run's budget is its token limit (`[budgets] max_tokens`,
2,000,000 by default), and the run says so. A dollar limit set on purpose (`[budgets]
max_usd`, a repository's `budget`, `--budget-usd`) over such a model cannot be enforced: the
run is refused at start, and `factory config check` fails, unless a token limit was set on
purpose too. With no dollar limit set, the default one is not a promise the run makes.
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
    """Raise UnenforceableBudget when a dollar limit set on purpose cannot be kept: some
    model has no price and no token limit was set on purpose either."""
    missing = unpriced_models(config, model_override)
    if not missing or not unenforceable(limits):
        return
    raise UnenforceableBudget(unenforceable_message(missing[0], limits))


def unenforceable(limits: BudgetConfig) -> bool:
    """A dollar limit was chosen, a token limit was not: over an unpriced model, nothing the
    operator chose would hold."""
    return "max_usd" in limits.model_fields_set and "max_tokens" not in limits.model_fields_set


def unenforceable_message(model: str, limits: BudgetConfig) -> str:
    return (
        f"model {model!r} has no price, so the ${limits.max_usd:.2f} dollar limit cannot be "
        f'enforced: add [pricing."{model}"] with input and output (US dollars per million '
        "tokens), or also set a token limit ([budgets] max_tokens) to run on tokens"
    )


def token_budget_note(
    config: FactoryConfig, limits: BudgetConfig, model_override: str | None = None
) -> str | None:
    """What a run over an unpriced model runs on (None when every model has a price)."""
    missing = unpriced_models(config, model_override)
    if not missing:
        return None
    names = ", ".join(repr(name) for name in missing)
    return (
        f"model {names} has no price: this run's budget is {limits.max_tokens:,} tokens "
        "([budgets] max_tokens) and its dollar cost is unknown"
    )
