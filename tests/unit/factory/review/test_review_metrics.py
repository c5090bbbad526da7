"""The review's figures on histories with known answers (real SQLite; real git histories are
in tests/integration/review)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from factory.config import FactoryConfig
from factory.review.build import ReviewError, ReviewOptions, build_review
from factory.review.schema import OperationalReview
from factory.store import Store
from tests.support.review_history import (
    NOW,
    History,
    config_for,
    days_ago,
    merged_run_steps,
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'factory.db'}")


def review(config: FactoryConfig, store: Store, **options: Any) -> OperationalReview:
    return build_review(config, store, ReviewOptions(now=NOW, **options))


def repo_dora(result: OperationalReview, name: str):  # type: ignore[no-untyped-def]
    return next(entry for entry in result.dora if entry.repo == name)


def test_an_empty_store_gives_unknown_figures_not_zeros(tmp_path: Path, store: Store) -> None:
    result = review(config_for(tmp_path, {"svc": None}), store)
    figures = result.factory_dora
    assert figures.deployments == 0
    assert figures.change_fail_rate.value is None and figures.change_fail_rate.tier is None
    assert figures.lead_time_commit.value is None
    assert figures.deployment_frequency.value == 0.0
    assert figures.deployment_frequency.tier is None  # no deploy at all is below every tier
    efficiency = result.factory.efficiency
    assert efficiency.spend_usd.value == 0.0  # no run cost nothing, truly
    assert efficiency.cost_per_merged_pr.value is None  # nothing merged: no cost per merge
    assert result.factory.reliability.first_try_green_rate.value is None
    assert result.factory.delivery.waiting_for_human.value == 0
    assert result.risks == []
    assert any("svc: no local clone" in note for note in result.notes)
    assert repo_dora(result, "svc").human is None


def test_unknown_costs_stay_unknown(tmp_path: Path, store: Store) -> None:
    history = History(store)
    priced = merged_run_steps(days_ago(3, 2), days_ago(3), "aaa1111", cost=0.25)
    unpriced = merged_run_steps(days_ago(2, 2), days_ago(2), "bbb2222", cost=None, model="local")
    history.run("svc", "T-1", at=days_ago(3, 2), status="merged", steps=priced)
    history.run("svc", "T-2", at=days_ago(2, 2), status="merged", steps=unpriced)
    result = review(config_for(tmp_path, {"svc": None}), store)
    efficiency = result.factory.efficiency
    assert efficiency.spend_usd.value is None
    assert efficiency.cost_per_merged_pr.value is None
    assert efficiency.unpriced_calls == 1
    assert efficiency.cost_by_model == {"local": None, "m1": 0.25}
    assert efficiency.cost_by_role == {"coder": None}
    assert "known part $0.25" in (efficiency.spend_usd.note or "")
    assert any("cost unknown" in risk.title for risk in result.risks)


def test_cost_per_merged_pr_is_spend_over_merges_with_trend(tmp_path: Path, store: Store) -> None:
    history = History(store)
    history.run(
        "svc",
        "T-1",
        at=days_ago(40),
        status="merged",
        steps=merged_run_steps(days_ago(40), days_ago(39), "a1", cost=2.0),
    )
    history.run(
        "svc",
        "T-2",
        at=days_ago(3),
        status="merged",
        steps=merged_run_steps(days_ago(3), days_ago(2), "b1", cost=0.5),
    )
    history.run(
        "svc",
        "T-3",
        at=days_ago(2),
        status="failed",
        steps=[
            (days_ago(2), "model.call", "coder", {"model": "m1", "cost_usd": 0.5}),
            (days_ago(2), "run.stopped", "system", {"reason": "budget"}),
        ],
    )
    result = review(config_for(tmp_path, {"svc": None}), store)
    efficiency = result.factory.efficiency
    assert efficiency.spend_usd.value == 1.0
    assert efficiency.cost_per_merged_pr.value == 1.0
    assert efficiency.cost_per_merged_pr.previous == 2.0
    assert efficiency.cost_per_merged_pr.trend == "down"
    assert efficiency.spend_on_nothing.value == 0.5
    assert result.factory.reliability.runs_failed_by_reason == {"budget": 1}


def test_initiatives_report_done_in_flight_open_stalled_and_projection(
    tmp_path: Path, store: Store
) -> None:
    history = History(store)
    label = ["initiative:billing"]
    for ref in ("B-1", "B-2", "B-3", "B-4", "B-5"):
        history.ticket(ref, opened=days_ago(60), labels=label)
    history.run(
        "svc",
        "B-1",
        at=days_ago(10),
        status="merged",
        steps=merged_run_steps(days_ago(10), days_ago(9), "c1"),
    )
    history.run(
        "svc",
        "B-2",
        at=days_ago(1),
        status="waiting_approval",
        steps=[(days_ago(1), "run.waiting", "system", {"for": "approval", "pr": 2})],
    )
    history.run(
        "svc",
        "B-3",
        at=days_ago(20),
        status="failed",
        steps=[(days_ago(20), "run.error", "system", {"error": "boom"})],
    )
    extra = {"initiatives": {"billing": {"owner": "@acme/billing", "due": "2026-12-31"}}}
    result = review(config_for(tmp_path, {"svc": None}, extra), store)
    (billing,) = result.initiatives
    assert (billing.tickets, billing.done, billing.in_flight, billing.open) == (5, 1, 1, 3)
    # B-3 failed 20 days ago, B-4 and B-5 were read 60 days ago and never run: stalled.
    assert billing.stalled_tickets == ["B-3", "B-4", "B-5"]
    assert billing.rate_per_week == round(1 / (30 / 7), 3)
    assert billing.projected_completion is not None
    assert (
        billing.projected_completion.date().isoformat() == "2027-03-20"
    )  # 4 left, 1 per 30 days: 120 days on
    assert billing.on_track is False
    assert billing.owner == "@acme/billing"
    waiting = result.factory.delivery.waiting_queue
    assert [w.run_id for w in waiting] and waiting[0].age_hours == 24.0


def test_an_initiative_with_nothing_done_has_no_projection(tmp_path: Path, store: Store) -> None:
    History(store).ticket("X-1", opened=days_ago(2), labels=["initiative:search"])
    result = review(config_for(tmp_path, {"svc": None}), store)
    (search,) = result.initiatives
    assert (search.open, search.stalled, search.rate_per_week) == (1, 0, 0.0)
    assert search.projected_completion is None and search.on_track is None


def test_an_unknown_repository_filter_is_refused(tmp_path: Path, store: Store) -> None:
    with pytest.raises(ReviewError, match="unknown repository 'nope'"):
        review(config_for(tmp_path, {"svc": None}), store, repos=["nope"])


def test_the_audit_status_is_part_of_the_review(tmp_path: Path, store: Store) -> None:
    History(store).run(
        "svc",
        "T-1",
        at=days_ago(1),
        status="merged",
        steps=merged_run_steps(days_ago(1), days_ago(1) + timedelta(hours=1), "d1"),
    )
    result = review(config_for(tmp_path, {"svc": None}), store)
    assert result.factory.vigilance.audit.ok is True
    assert result.factory.vigilance.audit.events == 5
    with store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE events SET payload = '{}' WHERE seq = 2")
    broken = review(config_for(tmp_path, {"svc": None}), store)
    assert broken.factory.vigilance.audit.ok is False
    assert broken.risks[0].title == "the audit log does not verify"
    (card,) = broken.scorecards
    audit_check = next(c for c in card.checks if "audit" in c.rule)
    assert audit_check.passed is False
