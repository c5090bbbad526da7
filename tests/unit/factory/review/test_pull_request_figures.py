"""The review's pull request figures (rounds per PR, first time right, follow-up cost, the
reviewer's burden) on a store history with known answers (real SQLite; humans' PRs from real
git are in tests/integration/review/test_pull_request_burden.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from factory.review.build import ReviewOptions, build_review
from factory.review.render import render_html, render_markdown
from factory.store import Store
from tests.support.pull_request_history import (
    ci_round,
    merged_by_person,
    opened,
    rebased,
    review_round,
)
from tests.support.review_history import NOW, History, config_for, days_ago

HOUR = timedelta(hours=1)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'factory.db'}")


def build_history(store: Store) -> None:
    """Three factory PRs this period, one the period before:
    - #1 merged after one review round (2 comments, 1 requested change, $0.25) and a CI fix
      round ($0.50), rebased once; waited 4 h + 10 h;
    - #2 merged first time right after 2 h;
    - #3 still open, one review round of unknown cost;
    - #4 (previous period) merged after 2 review rounds, $0.10 each, waited 6 h."""
    history = History(store)
    one = days_ago(5)
    history.run(
        "svc",
        "T-1",
        at=one,
        status="merged",
        steps=[
            opened(one, 1),
            *review_round(one + 4 * HOUR, 1, minutes=6, cost=0.25, comments=2),
            rebased(one + 5 * HOUR),
            *ci_round(one + 5 * HOUR, 2, cost=0.5),
            merged_by_person(one + 4 * HOUR + timedelta(minutes=6) + 10 * HOUR, 1),
        ],
    )
    two = days_ago(3)
    history.run(
        "svc",
        "T-2",
        at=two,
        status="merged",
        steps=[opened(two, 2), merged_by_person(two + 2 * HOUR, 2)],
    )
    three = days_ago(2)
    history.run(
        "svc",
        "T-3",
        at=three,
        status="pr_open",
        steps=[opened(three, 3), *review_round(three + HOUR, 1, cost=None)],
    )
    four = days_ago(40)
    history.run(
        "svc",
        "T-4",
        at=four,
        status="merged",
        steps=[
            opened(four, 4),
            *review_round(four + 2 * HOUR, 1, minutes=60, cost=0.1),
            *review_round(four + 4 * HOUR, 2, minutes=60, cost=0.1),
            merged_by_person(four + 7 * HOUR, 4),
        ],
    )


def test_rounds_first_time_right_cost_and_burden_of_the_factory_pull_requests(
    tmp_path: Path, store: Store
) -> None:
    build_history(store)
    result = build_review(
        config_for(tmp_path, {"svc": None}), store, ReviewOptions(now=NOW, verify_audit=False)
    )
    factory, svc = result.pull_requests
    assert (factory.group, svc.group, svc.name) == ("factory", "repository", "svc")
    assert (factory.prs_opened, factory.prs_merged) == (3, 2)
    assert factory.review_rounds_per_pr.value == round(2 / 3, 3)  # #1 and #3, over 3 opened
    assert factory.review_rounds_per_pr.previous == 2.0  # #4 alone
    assert factory.ci_fix_rounds_per_pr.value == round(1 / 3, 3)
    assert factory.rebases_per_pr.value == round(1 / 3, 3)
    assert factory.requested_changes.value == 2  # one per finished review round (#1, #3)
    assert factory.first_time_right_rate.value == 0.5  # #2 of #1 and #2
    assert factory.first_time_right_rate.previous == 0.0
    assert factory.followup_cost_usd.value is None  # #3's round has no known price
    assert "1 round(s) with no known cost" in (factory.followup_cost_usd.note or "")
    assert factory.followup_cost_usd.previous == 0.2
    burden = factory.factory_burden
    assert burden.merged_prs == 2
    assert burden.comments_per_merged_pr.value == 1.0  # 2 comments over 2 merged PRs
    assert burden.waiting_hours_per_merged_pr.value == 8.0  # (14 h + 2 h) / 2
    assert burden.waiting_hours_per_merged_pr.previous == 5.0  # 2 h + 1 h + 2 h
    assert factory.human_burden is None  # no clone: humans' PRs unseen, not zero
    assert svc.model_dump() == {**factory.model_dump(), "group": "repository", "name": "svc"}


def test_the_figures_are_in_the_markdown_and_the_html(tmp_path: Path, store: Store) -> None:
    build_history(store)
    result = build_review(
        config_for(tmp_path, {"svc": None}), store, ReviewOptions(now=NOW, verify_audit=False)
    )
    markdown = render_markdown(result)
    assert "## Pull requests after they opened" in markdown
    assert "| factory | 3 | 2 | 0.67 | 0.33 | 0.33 | 2 | 50% ↑ | unknown |" in markdown
    assert "| factory | factory | 2 | 1.00 | 8.0 h |" in markdown
    assert "| factory | human | git history not read | | |" in markdown
    page = render_html(result)
    assert '<section id="pull-requests">' in page and "first time right" in page


def test_no_pull_request_gives_unknown_rates_and_zero_cost(tmp_path: Path, store: Store) -> None:
    result = build_review(
        config_for(tmp_path, {"svc": None}), store, ReviewOptions(now=NOW, verify_audit=False)
    )
    factory = result.pull_requests[0]
    assert factory.review_rounds_per_pr.value is None
    assert factory.first_time_right_rate.value is None
    assert factory.followup_cost_usd.value == 0.0  # no round ran: nothing spent, truly
