"""A round's budget: the run's limits again, counted from the round's start, its dollars held
to what is left of the pull request's follow-up budget."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from factory.forges.feedback import FeedbackItem
from factory.run.round_records import ROUND_STARTED, round_limits
from factory.run.round_state import RoundLogEntry, round_request
from factory.store import Store
from harness.config import BudgetConfig

pytestmark = pytest.mark.integration


def test_a_round_counts_its_spend_from_its_start_within_the_follow_up_budget(
    tmp_path: Path,
) -> None:
    limits = BudgetConfig(max_steps=50, max_tokens=1000, max_usd=10.0, max_wall_s=600)
    earlier = RoundLogEntry(
        number=1,
        kind="review",
        outcome="pushed",
        head_sha="abc",
        summary="s",
        cost_usd=1.5,
        model_calls=4,
        started_at=datetime.now(UTC),
    )
    item = FeedbackItem(id="review:1", kind="review", author="me", body="fix")
    values = {
        "round": 2,
        "round_request": round_request("review", [item], "abc"),
        "rounds": [earlier],
    }
    with Store(f"sqlite:///{tmp_path / 'factory.db'}") as store:
        run = store.runs.create("t.md", "app")
        assert round_limits(store, run.id, limits, values, 2.0) == limits  # not started yet
        store.events.append(
            run.id,
            ROUND_STARTED,
            "system",
            {
                "round": 2,
                "kind": "review",
                "cost_usd_before": 3.0,
                "model_calls_before": 40,
                "tokens_before": 900,
                "wall_s_before": 500.0,
            },
        )
        during = round_limits(store, run.id, limits, values, 2.0)
        assert (during.max_steps, during.max_tokens, during.max_wall_s) == (90, 1900, 1100.0)
        assert during.max_usd == pytest.approx(3.5)  # $0.50 of the $2.00 follow-up budget left
        finished = {**values, "rounds": [earlier, earlier.model_copy(update={"number": 2})]}
        assert round_limits(store, run.id, limits, finished, 2.0) == limits
