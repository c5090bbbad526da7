"""What tokens cost: a built-in price table, overridable per model by `[pricing."<model>"]`."""

from __future__ import annotations

from collections.abc import Mapping

from harness.config import ModelPrice
from harness.messages import Usage

# US dollars per million tokens, from the providers' public price pages (checked 2025-11).
# Dated snapshots (`claude-sonnet-4-5-20250929`, `gpt-4o-2024-08-06`) match their family.
BUILTIN_PRICES: dict[str, ModelPrice] = {
    # Anthropic: cache writes are the 5-minute tier (1.25x input), reads 0.1x input.
    "claude-opus-4-5": ModelPrice(input=5.0, output=25.0, cache_read=0.50, cache_write=6.25),
    "claude-opus-4-1": ModelPrice(input=15.0, output=75.0, cache_read=1.50, cache_write=18.75),
    "claude-opus-4": ModelPrice(input=15.0, output=75.0, cache_read=1.50, cache_write=18.75),
    "claude-sonnet-4-5": ModelPrice(input=3.0, output=15.0, cache_read=0.30, cache_write=3.75),
    "claude-sonnet-4": ModelPrice(input=3.0, output=15.0, cache_read=0.30, cache_write=3.75),
    "claude-3-7-sonnet": ModelPrice(input=3.0, output=15.0, cache_read=0.30, cache_write=3.75),
    "claude-haiku-4-5": ModelPrice(input=1.0, output=5.0, cache_read=0.10, cache_write=1.25),
    "claude-3-5-haiku": ModelPrice(input=0.80, output=4.0, cache_read=0.08, cache_write=1.00),
    # OpenAI: caching is automatic; writes cost nothing extra.
    "gpt-5.1": ModelPrice(input=1.25, output=10.0, cache_read=0.125),
    "gpt-5": ModelPrice(input=1.25, output=10.0, cache_read=0.125),
    "gpt-5-mini": ModelPrice(input=0.25, output=2.0, cache_read=0.025),
    "gpt-5-nano": ModelPrice(input=0.05, output=0.40, cache_read=0.005),
    "gpt-4.1": ModelPrice(input=2.0, output=8.0, cache_read=0.50),
    "gpt-4.1-mini": ModelPrice(input=0.40, output=1.60, cache_read=0.10),
    "gpt-4.1-nano": ModelPrice(input=0.10, output=0.40, cache_read=0.025),
    "gpt-4o": ModelPrice(input=2.50, output=10.0, cache_read=1.25),
    "gpt-4o-mini": ModelPrice(input=0.15, output=0.60, cache_read=0.075),
    "o3": ModelPrice(input=2.0, output=8.0, cache_read=0.50),
    "o4-mini": ModelPrice(input=1.10, output=4.40, cache_read=0.275),
}


class PriceTable:
    """Looks up a model's price: overrides first, then the built-in table, else unknown."""

    def __init__(self, overrides: Mapping[str, ModelPrice] | None = None) -> None:
        self._prices = {**BUILTIN_PRICES, **(overrides or {})}

    def price_of(self, model: str) -> ModelPrice | None:
        if model in self._prices:
            return self._prices[model]
        # Longest family name that prefixes the id, so `gpt-4o-mini-2024-07-18` is not `gpt-4o`.
        families = [name for name in self._prices if model.startswith(name + "-")]
        return self._prices[max(families, key=len)] if families else None

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
