"""The DORA tier table, flaky tests and trends, and the published JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factory.review.build import ReviewOptions, build_review
from factory.review.charts import review_charts
from factory.review.dora_tiers import tier_for
from factory.review.run_facts import RunFacts, fold_event
from factory.review.schema import review_json_schema
from factory.review.trends import trend_of
from factory.store import Store
from tests.support.review_history import NOW, History, config_for, days_ago, merged_run_steps

DOCS = Path(__file__).parents[4] / "docs"


@pytest.mark.parametrize(
    ("metric", "value", "tier"),
    [
        ("deployment_frequency", 3.0, "elite"),
        ("deployment_frequency", 0.2, "high"),
        ("deployment_frequency", 0.05, "medium"),
        ("deployment_frequency", 0.01, "low"),
        ("deployment_frequency", 0.0, None),
        ("lead_time", 5.0, "elite"),
        ("lead_time", 48.0, "high"),
        ("lead_time", 400.0, "medium"),
        ("lead_time", 2000.0, "low"),
        ("change_fail_rate", 0.04, "elite"),
        ("change_fail_rate", 0.15, "high"),  # 2024's medium (10%) sits below its high (20%)
        ("change_fail_rate", 0.3, "low"),
        ("recovery_time", 0.5, "elite"),
        ("recovery_time", 10.0, "high"),
        ("recovery_time", 100.0, "low"),
        ("rework_rate", 0.1, None),  # the 2024 report gives rework rate no tier
        ("lead_time", None, None),
    ],
)
def test_tiers_come_from_the_one_table(metric: str, value: float | None, tier: str | None) -> None:
    assert tier_for(metric, value) == tier  # type: ignore[arg-type]


def test_a_test_that_fails_then_passes_with_no_commit_between_is_flaky() -> None:
    facts = RunFacts()
    report = '{{"exit_code": {code}, "failed": {n}, "newly_failing": {ids}}}'
    fold_event(facts, "git.commit", "system", "2026-11-01T00:00:00.000000Z", '{"sha": "a"}')
    fold_event(
        facts,
        "tests.report",
        "system",
        "2026-11-01T00:01:00.000000Z",
        report.format(code=1, n=2, ids='["t::flaky", "t::broken"]'),
    )
    fold_event(
        facts,
        "tests.report",
        "system",
        "2026-11-01T00:02:00.000000Z",
        report.format(code=1, n=1, ids='["t::broken"]'),
    )
    fold_event(facts, "git.commit", "system", "2026-11-01T00:03:00.000000Z", '{"sha": "b"}')
    fold_event(
        facts,
        "tests.report",
        "system",
        "2026-11-01T00:04:00.000000Z",
        report.format(code=0, n=0, ids="[]"),
    )
    assert facts.flaky == ["t::flaky"]  # t::broken passed only after a new commit: fixed
    assert facts.test_reports == [False, False, True]


def test_trends_compare_with_the_previous_period() -> None:
    assert trend_of(None, 3) == "unknown"
    assert trend_of(3, None) == "new"
    assert trend_of(3.1, 3) == "flat"
    assert trend_of(4, 3) == "up" and trend_of(2, 3) == "down"


def test_the_published_json_schema_is_the_models_schema() -> None:
    published = json.loads((DOCS / "review.schema.json").read_text())
    assert published == review_json_schema(), "regenerate: factory review --schema"


def test_a_chart_with_nothing_to_draw_says_so_instead_of_drawing_axes(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'factory.db'}")
    config = config_for(tmp_path, {"svc": None})
    empty = review_charts(build_review(config, store, ReviewOptions(now=NOW)))
    assert set(empty) == {"deployments", "change_fail_rate", "spend"}
    for chart in empty.values():
        assert "<svg" not in chart and "no data to draw" in chart
    assert "every value is unknown" in empty["change_fail_rate"]
    assert "zero or unknown" in empty["deployments"]  # no deployment at all: zero, not a bar

    steps = merged_run_steps(days_ago(2), days_ago(1), "abc1234", cost=1.5)
    History(store).run("svc", "T-1", at=days_ago(2), status="merged", steps=steps)
    drawn = review_charts(build_review(config, store, ReviewOptions(now=NOW)))
    assert drawn["deployments"].startswith("<svg") and drawn["spend"].startswith("<svg")
