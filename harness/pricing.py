"""What tokens cost: a built-in price table, overridable per model by `[pricing."<model>"]`."""

from __future__ import annotations

from collections.abc import Mapping

from harness.config import ModelPrice
from harness.messages import Usage

# US dollars per million tokens, from the providers' public price pages (checked 2026-11).
# Dated snapshots (`claude-opus-4-5-20251101`, `gpt-4.1-2025-04-14`) match their family.
# A model missing here is metered in tokens with cost unknown; add it under [pricing."<model>"].
_OPUS_4_5_CLASS = ModelPrice(input=5.0, output=25.0, cache_read=0.50, cache_write=6.25)
_SONNET_4_CLASS = ModelPrice(input=3.0, output=15.0, cache_read=0.30, cache_write=3.75)
BUILTIN_PRICES: dict[str, ModelPrice] = {
    # Anthropic: cache writes at the 5-minute tier.
    "claude-fable-5-1": ModelPrice(input=10.0, output=50.0, cache_read=0.25, cache_write=12.50),
    "claude-mythos-5-1": ModelPrice(input=10.0, output=50.0, cache_read=0.25, cache_write=12.50),
    "claude-fable-5": ModelPrice(input=10.0, output=50.0, cache_read=1.0, cache_write=12.50),
    "claude-mythos-5": ModelPrice(input=10.0, output=50.0, cache_read=1.0, cache_write=12.50),
    "claude-opus-5-5": ModelPrice(input=4.0, output=20.0, cache_read=0.20, cache_write=5.0),
    "claude-opus-5": _OPUS_4_5_CLASS,
    "claude-opus-4-8": _OPUS_4_5_CLASS,
    "claude-opus-4-7": _OPUS_4_5_CLASS,
    "claude-opus-4-6": _OPUS_4_5_CLASS,
    "claude-opus-4-5": _OPUS_4_5_CLASS,
    "claude-opus-4-1": ModelPrice(input=15.0, output=75.0, cache_read=1.50, cache_write=18.75),
    "claude-sonnet-5-5": ModelPrice(input=2.0, output=10.0, cache_read=0.10, cache_write=2.50),
    "claude-sonnet-5": ModelPrice(input=2.0, output=10.0, cache_read=0.20, cache_write=2.50),
    "claude-sonnet-4-6": _SONNET_4_CLASS,
    "claude-sonnet-4-5": _SONNET_4_CLASS,
    "claude-sonnet-4": _SONNET_4_CLASS,
    # Haiku 5.5 is cheaper below 100k prompt tokens; the long-prompt band keeps budgets safe.
    "claude-haiku-5-5": ModelPrice(input=0.50, output=2.50, cache_read=0.05, cache_write=0.625),
    "claude-haiku-4-5": ModelPrice(input=1.0, output=5.0, cache_read=0.10, cache_write=1.25),
    # OpenAI: the 5.6 tiers bill cache writes at 1.25x input; older models cache for free.
    "gpt-5.6-sol": ModelPrice(input=5.0, output=30.0, cache_read=0.50, cache_write=6.25),
    "gpt-5.6-terra": ModelPrice(input=2.50, output=15.0, cache_read=0.25, cache_write=3.125),
    "gpt-5.6-luna": ModelPrice(input=1.0, output=6.0, cache_read=0.10, cache_write=1.25),
    "gpt-5.5": ModelPrice(input=5.0, output=30.0, cache_read=0.50),
    "gpt-5.4": ModelPrice(input=2.50, output=15.0, cache_read=0.25),
    "gpt-5.1": ModelPrice(input=1.25, output=10.0, cache_read=0.125),
    "gpt-5": ModelPrice(input=1.25, output=10.0, cache_read=0.125),
    "gpt-5-mini": ModelPrice(input=0.25, output=2.0, cache_read=0.025),
    "gpt-5-nano": ModelPrice(input=0.05, output=0.40, cache_read=0.005),
    "gpt-4.1": ModelPrice(input=2.0, output=8.0, cache_read=0.50),
    "gpt-4.1-mini": ModelPrice(input=0.40, output=1.60, cache_read=0.10),
    "gpt-4.1-nano": ModelPrice(input=0.10, output=0.40, cache_read=0.025),
    "gpt-4o": ModelPrice(input=2.50, output=10.0, cache_read=1.25),
    "gpt-4o-mini": ModelPrice(input=0.15, output=0.60, cache_read=0.075),
}


class PriceTable:
    """Looks up a model's price: overrides first, then the built-in table, else unknown."""

    def __init__(self, overrides: Mapping[str, ModelPrice] | None = None) -> None:
        self._prices = {**BUILTIN_PRICES, **(overrides or {})}
        self._families: dict[str, str | None] = {}

    def price_of(self, model: str) -> ModelPrice | None:
        if model in self._prices:
            return self._prices[model]
        if model not in self._families:
            # Longest family that prefixes the id, so `gpt-4o-mini-2024-07-18` is not `gpt-4o`.
            families = [name for name in self._prices if model.startswith(name + "-")]
            self._families[model] = max(families, key=len) if families else None
        family = self._families[model]
        return None if family is None else self._prices[family]

    def cost_of(self, model: str, usage: Usage) -> float | None:
        """Dollars for `usage` on `model`; None when the price is unknown (never a crash)."""
        price = self.price_of(model)
        if price is None:
            return None
        return (
            usage.input_tokens * price.input
            + usage.output_tokens * price.output
            + usage.cache_read_tokens * price.cache_read
            + usage.cache_write_tokens * price.cache_write
        ) / 1_000_000
