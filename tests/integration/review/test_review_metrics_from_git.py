"""The review's DORA figures on real git histories with known answers (real SQLite)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from factory.config import FactoryConfig
from factory.review.build import ReviewOptions, build_review
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
