"""A pull request's life folded from its run's events, on real SQLite, against known answers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from factory.store import Store
from tests.support.pull_request_history import (
    ci_read,
    ci_round,
    merged_by_person,
    opened,
    rebased,
    reconciled,
    refused,
    review_round,
)
from tests.support.review_history import History, days_ago


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'factory.db'}")


def test_rounds_changes_rebases_waits_and_cost_of_a_pull_request_merged_after_changes(
    store: Store,
) -> None:
    start = days_ago(5)
    hour = timedelta(hours=1)
    steps = [
        opened(start, 7),
        # 4 h waiting for the reviewer, who asks for a change; the round takes 6 minutes
        *review_round(start + 4 * hour, 1, minutes=6, cost=0.25, comments=2),
        rebased(start + 5 * hour),
        ci_read(start + 5 * hour),
        # CI goes red: a fix round, the factory's own work, does not end the wait
        *ci_round(start + 5 * hour, 2, cost=0.5),
        # the reviewer merges 10 h after the first round ended
        merged_by_person(start + 4 * hour + timedelta(minutes=6) + 10 * hour, 7),
    ]
    run_id = History(store).run("app", "T-1", at=start, status="merged", steps=steps)
    life = store.pull_request_life.of_run(run_id)
    assert life.number == 7
    assert [(r.number, r.kind, r.outcome) for r in life.rounds] == [
        (1, "review", "pushed"),
        (2, "ci", "pushed"),
    ]
    assert (life.review_rounds, life.ci_fix_rounds, life.rebases) == (1, 1, 1)
    assert (life.requested_changes, life.comments, life.ci_reads) == (1, 2, 1)
    assert life.followup_cost_usd == 0.75
    assert life.waiting_hours() == 14.0 and life.waits == 2 and life.waiting_since is None
    assert life.merged_by == "alice"
    assert life.merged_after_changes and not life.first_time_right


def test_a_round_with_an_unknown_price_makes_the_follow_up_cost_unknown(store: Store) -> None:
    start = days_ago(3)
    steps = [
        opened(start, 1),
        *review_round(start + timedelta(hours=1), 1, cost=0.3),
        *review_round(start + timedelta(hours=2), 2, cost=None),
    ]
    run_id = History(store).run("app", "T-2", at=start, status="pr_open", steps=steps)
    assert store.pull_request_life.of_run(run_id).followup_cost_usd is None


def test_a_round_still_running_has_no_cost_yet_and_one_never_begun_cost_nothing(
    store: Store,
) -> None:
    start = days_ago(3)
    running = [opened(start, 1), *review_round(start + timedelta(hours=1), 1)[:2]]
    asked = [opened(start, 2), review_round(start + timedelta(hours=1), 1)[0]]
    history = History(store)
    running_id = history.run("app", "T-3", at=start, status="running", steps=running)
    asked_id = history.run("app", "T-4", at=start, status="pr_open", steps=asked)
    lives = store.pull_request_life.of_runs([running_id, asked_id])
    assert lives[running_id].followup_cost_usd is None
    assert lives[asked_id].followup_cost_usd == 0.0


def test_a_clean_merge_is_first_time_right_and_its_wait_ends_at_the_merge(store: Store) -> None:
    start = days_ago(2)
    steps = [opened(start, 3), merged_by_person(start + timedelta(hours=3), 3)]
    run_id = History(store).run("app", "T-5", at=start, status="merged", steps=steps)
    life = store.pull_request_life.of_run(run_id)
    assert life.first_time_right and not life.merged_after_changes
    assert (life.followup_cost_usd, life.waiting_hours(), life.rounds) == (0.0, 3.0, [])


def test_a_refused_review_round_counts_as_changes_asked_and_a_reconciliation_ends_the_wait(
    store: Store,
) -> None:
    start = days_ago(2)
    steps = [
        opened(start, 4),
        refused(start + timedelta(hours=2), "3 follow-up rounds already (max_followup_rounds)"),
        reconciled(start + timedelta(hours=5), "closed", "a person closed the PR", "alice"),
    ]
    run_id = History(store).run("app", "T-6", at=start, status="closed", steps=steps)
    life = store.pull_request_life.of_run(run_id)
    assert life.changes_asked and not life.merged
    assert life.refused == ["3 follow-up rounds already (max_followup_rounds)"]
    assert life.reconciled == {
        "ending": "closed",
        "reason": "a person closed the PR",
        "by": "alice",
    }
    assert life.waiting_hours() == 5.0


def test_an_open_wait_is_counted_up_to_now_only_when_asked(store: Store) -> None:
    start = days_ago(1)
    run_id = History(store).run("app", "T-7", at=start, status="pr_open", steps=[opened(start, 5)])
    life = store.pull_request_life.of_run(run_id)
    assert life.waiting_hours() == 0.0
    assert life.waiting_hours(now=start + timedelta(hours=6)) == 6.0


def test_a_resumed_round_is_one_round_with_its_first_start(store: Store) -> None:
    start = days_ago(1)
    requested, began, finished = review_round(start + timedelta(hours=1), 1)
    again = (began[0] + timedelta(minutes=2), *began[1:])
    steps = [opened(start, 6), requested, began, again, finished]
    run_id = History(store).run("app", "T-8", at=start, status="pr_open", steps=steps)
    life = store.pull_request_life.of_run(run_id)
    assert len(life.rounds) == 1 and life.rounds[0].started_at == began[0]


def test_a_model_call_with_no_price_inside_a_round_makes_its_cost_unknown(store: Store) -> None:
    start = days_ago(1)
    requested, began, finished = review_round(start + timedelta(hours=1), 1, cost=0.4)
    unpriced = (began[0] + timedelta(minutes=1), "model.call", "coder", {"model": "local"})
    priced = (start, "model.call", "planner", {"model": "m", "cost_usd": None})
    steps = [priced, opened(start, 9), requested, began, unpriced, finished]
    run_id = History(store).run("app", "T-9", at=start, status="pr_open", steps=steps)
    life = store.pull_request_life.of_run(run_id)
    assert life.rounds[0].unpriced_calls == 1 and life.rounds[0].cost_usd is None
    assert life.followup_cost_usd is None


def test_a_ci_rounds_items_are_not_peoples_comments(store: Store) -> None:
    start = days_ago(1)
    steps = [opened(start, 10), *ci_round(start + timedelta(hours=1), 1, comments=1)]
    run_id = History(store).run("app", "T-10", at=start, status="pr_open", steps=steps)
    assert store.pull_request_life.of_run(run_id).comments == 0
