"""The sweep budget: stop starting when spend plus the next per-run limit would pass it."""

from __future__ import annotations

from pathlib import Path

import pytest

from factory.config import parse_config
from factory.run.batch_budget import (
    Spend,
    SweepBudget,
    SweepBudgetError,
    over_budget,
    require_enforceable,
)


def test_the_next_ticket_starts_only_if_its_whole_limit_still_fits() -> None:
    budget = SweepBudget(usd=10.0)
    assert over_budget(budget, Spend(usd=4.0), Spend(usd=6.0)) is None
    reason = over_budget(budget, Spend(usd=4.01), Spend(usd=6.0))
    assert reason is not None and "$10.00 budget" in reason


def test_a_token_budget_is_checked_the_same_way() -> None:
    budget = SweepBudget(tokens=1000)
    assert over_budget(budget, Spend(tokens=500), Spend(tokens=500)) is None
    assert over_budget(budget, Spend(tokens=501), Spend(tokens=500)) is not None


def test_a_usd_budget_with_an_unpriced_model_asks_for_a_token_budget(tmp_path: Path) -> None:
    config = parse_config({}, source="t", base_dir=tmp_path, environ={})
    with pytest.raises(SweepBudgetError, match="--budget-tokens"):
        require_enforceable(SweepBudget(usd=5.0), ["my-local-llama"], config)
    require_enforceable(SweepBudget(usd=5.0, tokens=10_000), ["my-local-llama"], config)
    priced = parse_config(
        {"pricing": {"my-local-llama": {"input": 0.1, "output": 0.2}}},
        source="t",
        base_dir=tmp_path,
        environ={},
    )
    require_enforceable(SweepBudget(usd=5.0), ["my-local-llama"], priced)
