"""Figures of an eval: Wilson intervals, false merges, the reviewer against the truth."""

import pytest

from factory.eval.figures import difference_interval, figures, wilson
from factory.eval.results import TaskResult


def test_wilson_matches_the_textbook_values() -> None:
    rate = wilson(8, 10)
    assert rate.value == 0.8
    assert rate.low == pytest.approx(0.4902, abs=1e-4)
    assert rate.high == pytest.approx(0.9433, abs=1e-4)
    none = wilson(0, 20)
    assert none.low == 0.0 and none.high == pytest.approx(0.1611, abs=1e-4)
    assert wilson(0, 0).value is None


def result(
    resolved: bool, l3: str, verdict: str, cost: float | None = 1.0, **extra: object
) -> TaskResult:
    return TaskResult.model_validate(
        {
            "instance_id": f"t{id(extra)}{resolved}{l3}{verdict}",
            "resolved": resolved,
            "decision_at": {"L2": "needs_human", "L3": l3},
            "reviewer_verdict": verdict,
            "cost_usd": cost,
            "tokens": 10,
            **extra,
        }
    )


def test_false_merges_are_unresolved_changes_l3_would_merge_and_errors_count_in_no_rate() -> None:
    results = [
        result(True, "merge", "approve"),
        result(False, "merge", "approve"),  # a false merge, and a wrong approval
        result(False, "needs_human", "request_changes"),
        result(True, "merge", "request_changes"),  # a missed good change
        result(False, "merge", "approve", error="judging: engine gone"),
    ]
    f = figures(results)
    assert (f.judged, f.errors) == (4, 1)
    assert (f.resolved.hits, f.resolved.total) == (2, 4)
    assert (f.false_merge.hits, f.false_merge.total) == (1, 4)
    assert (f.reviewer_precision.hits, f.reviewer_precision.total) == (1, 2)
    assert (f.reviewer_recall.hits, f.reviewer_recall.total) == (1, 2)
    assert f.cost_usd == 5.0 and f.cost_per_task == 1.0 and f.cost_per_resolved == 2.5


def test_one_unpriced_attempt_leaves_every_cost_unknown() -> None:
    f = figures([result(True, "merge", "approve"), result(True, "merge", "approve", cost=None)])
    assert f.cost_usd is None and f.cost_per_task is None and f.cost_per_resolved is None
    assert f.unpriced_attempts == 1


def test_the_difference_of_two_rates_has_an_interval_that_straddles_zero_when_unclear() -> None:
    close = difference_interval(wilson(5, 10), wilson(6, 10))
    assert close is not None and close[0] < 0 < close[1]
    clear = difference_interval(wilson(2, 50), wilson(45, 50))
    assert clear is not None and clear[0] > 0
    assert difference_interval(wilson(0, 0), wilson(1, 2)) is None
