"""The review's figures on histories with known answers (real SQLite, real git)."""

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
    GitRepo,
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


@pytest.mark.integration
def test_a_reverted_factory_change_fails_and_recovers_at_its_revert(
    tmp_path: Path, store: Store
) -> None:
    git = GitRepo(tmp_path / "svc")
    git.commit("base.txt", days_ago(40))
    git.commit("human1.txt", days_ago(10), message="human change")
    good = git.factory_merge("factory/good", "r-good", days_ago(9, 5), days_ago(9))
    bad = git.factory_merge("factory/bad", "r-bad", days_ago(5, 2), days_ago(5))
    git.revert(bad, days_ago(5) + timedelta(hours=6))
    history = History(store)
    history.ticket("T-1", opened=days_ago(9, 10))
    history.ticket("T-2", opened=days_ago(5, 4))
    history.run(
        "svc",
        "T-1",
        at=days_ago(9, 6),
        status="merged",
        run_id="r-good",
        steps=merged_run_steps(days_ago(9, 6), days_ago(9), good),
    )
    history.run(
        "svc",
        "T-2",
        at=days_ago(5, 3),
        status="merged",
        run_id="r-bad",
        steps=merged_run_steps(days_ago(5, 3), days_ago(5), bad),
    )

    result = review(config_for(tmp_path, {"svc": git.path}), store)

    agent = repo_dora(result, "svc").agent
    assert (agent.deployments, agent.failed_changes) == (2, 1)
    assert agent.change_fail_rate.value == 0.5
    assert agent.recovery_time.value == 6.0  # merged, then reverted six hours later
    assert agent.lead_time_ticket.value == 7.0  # median of 10 h and 4 h ticket -> merge
    assert agent.lead_time_commit.value == 4.417  # median of 5 h 55 and 2 h 55 commit -> merge
    human = repo_dora(result, "svc").human
    assert human is not None
    # The human change and the revert reached main; the revert is unplanned rework.
    assert human.deployments == 2
    assert human.rework_rate.value == 0.5
    assert human.failed_changes == 0
    assert result.factory.reliability.reverts.value == 1


@pytest.mark.integration
def test_incidents_fail_the_change_they_name_and_only_that(tmp_path: Path, store: Store) -> None:
    git = GitRepo(tmp_path / "svc")
    git.commit("base.txt", days_ago(40))
    first = git.factory_merge("factory/a", "r-a", days_ago(8, 1), days_ago(8))
    second = git.factory_merge("factory/b", "r-b", days_ago(6, 1), days_ago(6))
    history = History(store)
    for ref, run_id, sha, merged in (("T-a", "r-a", first, 8), ("T-b", "r-b", second, 6)):
        history.ticket(ref, opened=days_ago(merged, 2))
        history.run(
            "svc",
            ref,
            at=days_ago(merged, 1),
            status="merged",
            run_id=run_id,
            steps=merged_run_steps(days_ago(merged, 1), days_ago(merged), sha),
        )
    store.pull_requests.create(
        repo="svc",
        run_id="r-b",
        title="b",
        head_branch="factory/b",
        base_branch="main",
        status="merged",
        merged_sha=second,
    )
    named = store.incidents.open(
        "svc", "checkout down", by="ana", root_cause="#1", opened_at=days_ago(5)
    )
    store.incidents.resolve(named.id, by="ana", at=days_ago(5) + timedelta(hours=3))
    store.incidents.open("svc", "pager noise", by="bo", opened_at=days_ago(4))  # no root cause

    result = review(config_for(tmp_path, {"svc": git.path}), store)

    agent = repo_dora(result, "svc").agent
    assert agent.failed_changes == 1
    assert agent.change_fail_rate.value == 0.5
    assert agent.recovery_time.value == 3.0  # the incident's open -> resolve time
    assert result.factory.reliability.incidents_linked.value == 1
    assert any("incident" in risk.title for risk in result.risks)


@pytest.mark.integration
def test_a_repository_with_only_human_changes_has_human_dora_and_no_agent_rates(
    tmp_path: Path, store: Store
) -> None:
    git = GitRepo(tmp_path / "legacy")
    git.commit("base.txt", days_ago(100))
    for day in (20, 15, 10, 5, 1):
        git.commit(f"f{day}.txt", days_ago(day))
    result = review(config_for(tmp_path, {"legacy": git.path}), store)
    entry = repo_dora(result, "legacy")
    assert entry.agent.deployments == 0 and entry.agent.change_fail_rate.value is None
    assert entry.human is not None and entry.human.deployments == 5
    assert entry.human.deployment_frequency.value == round(5 / 30, 4)
    assert entry.human.deployment_frequency.tier == "high"  # at least weekly, not daily
    assert entry.human.lead_time_commit.value == 0.0  # direct commits: authored = merged
    assert entry.human.change_fail_rate.value == 0.0


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
